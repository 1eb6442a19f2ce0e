"""Git repositories the tests build themselves, with `git` in a temporary folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

BASE_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "LANG": "C",
}


def split_person(person: str | bytes) -> tuple[bytes, bytes]:
    raw = person if isinstance(person, bytes) else person.encode("utf-8")
    name, _, rest = raw.partition(b" <")
    return name, rest.rstrip(b">")


class GitRepo:
    def __init__(self, path: Path, *, branch: str = "main"):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)

    def git(self, *args: str, env: dict | None = None) -> str:
        done = subprocess.run(  # noqa: S603
            ["git", "-c", "commit.gpgsign=false", *args],  # noqa: S607
            cwd=self.path,
            env={**BASE_ENV, **(env or {})},
            capture_output=True,
            check=True,
        )
        return done.stdout.decode("utf-8", "replace").strip()

    def commit(
        self,
        files: dict[str, str | bytes | None],
        *,
        author: str | bytes,
        date: str,
        message: str = "A change",
        trailers: tuple[str, ...] = (),
        renames: dict[str, str] | None = None,
    ) -> str:
        for old, new in (renames or {}).items():
            (self.path / new).parent.mkdir(parents=True, exist_ok=True)
            self.git("mv", old, new)
        for name, content in files.items():
            target = self.path / name
            if content is None:
                self.git("rm", "-q", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content if isinstance(content, bytes) else content.encode())
            self.git("add", name)
        name, email = split_person(author)
        env = {
            b"GIT_AUTHOR_NAME": name,
            b"GIT_AUTHOR_EMAIL": email,
            b"GIT_AUTHOR_DATE": date.encode(),
            b"GIT_COMMITTER_NAME": b"Committer",
            b"GIT_COMMITTER_EMAIL": b"committer@example.org",
            b"GIT_COMMITTER_DATE": date.encode(),
        }
        text = message + ("\n\n" + "\n".join(trailers) if trailers else "")
        self.git("commit", "-q", "--allow-empty", "-m", text, env=env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, *, author: str, date: str) -> str:
        name, email = split_person(author)
        env = {
            b"GIT_AUTHOR_NAME": name,
            b"GIT_AUTHOR_EMAIL": email,
            b"GIT_AUTHOR_DATE": date.encode(),
            b"GIT_COMMITTER_NAME": b"Committer",
            b"GIT_COMMITTER_EMAIL": b"committer@example.org",
            b"GIT_COMMITTER_DATE": date.encode(),
        }
        self.git("merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch, env=env)
        return self.head()


def lines(count: int, word: str = "line") -> str:
    return "".join(f"{word} {i}\n" for i in range(count))
