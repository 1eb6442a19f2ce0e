"""The mining adapter: git history read with GrimoireLab Perceval's git parser.

Perceval (the CHAOSS project's collector) parses `git log --numstat --pretty=fuller` into commit
dictionaries: authors, dates, trailers, and files with their line counts, renames
resolved. This module drives `git` itself rather than Perceval's `GitRepository`, for four things
the platform needs and that class does not offer: revision ranges (only the commits after the last
one read), `.mailmap` (`--use-mailmap`, `git check-mailmap`), a hardened network configuration
(https only, no redirects, no prompts, no user or system git config) and bounds on time and disk
for every command. Everything downstream sees only `Commit` records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from perceval.backends.core.git import GitParser

from repositories.classification import TRAILERS

SHA = 40
# What `git log --pretty=fuller --date=iso-strict` writes, less the committer lines (`Commit:`,
# `CommitDate:`) nothing here reads: a fifth of the log's lines, gone before Perceval parses them.
# `%aN <%aE>` honour `.mailmap`; `%w(0,4,4)` indents every message line, blank ones too, so
# trailers stay inside the message; `% P` writes no space after a root commit; `format:` puts the
# blank line between commits. Unlike fuller, tabs in messages are not expanded and blank lines
# around a message not trimmed, which Perceval's parser reads the same way.
PERCEVAL_FORMAT = "format:commit %H% P%nAuthor:     %aN <%aE>%nAuthorDate: %aI%n%n%w(0,4,4)%B"


# git writes its log ahead of the parser into this much memory (chunks x size, 32 MB), so that it
# goes on while the importer writes a batch to the database instead of waiting on a full pipe: git
# and the importer then run side by side on two cores.
READ_AHEAD_CHUNKS, READ_AHEAD_CHUNK = 128, 256 * 1024


class _ReadAhead(io.RawIOBase):
    """A pipe read by a thread of its own into a bounded queue of chunks, read back as a file."""

    def __init__(self, pipe):
        self._chunks: queue.Queue[bytes] = queue.Queue(maxsize=READ_AHEAD_CHUNKS)
        self._pending = memoryview(b"")
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self._thread.start()

    def _pump(self, pipe) -> None:
        try:
            while not self._stopped.is_set() and (chunk := pipe.read1(READ_AHEAD_CHUNK)):
                self._chunks.put(chunk)
        except (OSError, ValueError):  # the pipe was closed under us: the sync is stopping
            pass
        finally:
            self._chunks.put(b"")  # end of the log

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._pending:
            chunk = self._chunks.get()
            if not chunk:
                self._chunks.put(b"")  # every later read sees the end too
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def finish(self, *, stopped: bool) -> None:
        """Wait for the reading thread; when git was stopped early, tell the thread to stop and
        keep emptying the queue it may be waiting on until it has."""
        if stopped:
            self._stopped.set()
            while self._thread.is_alive():
                with contextlib.suppress(queue.Empty):
                    while True:
                        self._chunks.get_nowait()
                self._thread.join(timeout=0.01)
        self._thread.join()


class MiningError(Exception):
    """A sync cannot go on; the message is safe to show to the project's maintainers."""


class RepositoryTooLarge(MiningError):
    pass


class TimeBudgetExceeded(MiningError):
    pass


class ChangedFile(NamedTuple):  # a tuple: a first import makes a quarter of a million
    path: str
    added: int
    removed: int


@dataclass(slots=True)
class Commit:
    sha: str
    parents: list[str]
    author: str
    authored_at: dt.datetime
    trailers: dict[str, list[str]] = field(default_factory=dict)
    files: list[ChangedFile] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    """git writes commit metadata in the bytes it was given: mostly UTF-8, sometimes Latin-1 from
    old tools. Undecodable UTF-8 is read as Latin-1 so a name keeps its letters."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _mended(text: str) -> str:
    """A field of the log as `_decode` reads it. The log is decoded as one UTF-8 stream (in C,
    not line by line in Python), its undecodable bytes kept as surrogates: only the few fields
    that carry them are read again, as Latin-1."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("latin-1")
    return text


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0  # "-" for binary files


def _unquote(path: str) -> str:
    # core.quotepath=off leaves only paths with control characters or quotes quoted.
    if len(path) > 1 and path.startswith('"') and path.endswith('"'):
        return path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return path


def renamed_path(path: str) -> str:
    """The path after a rename as `--numstat` writes it: `old => new`, `dir/{old => new}/name`.
    (Perceval resolves these against `--raw` lines; reading without them halves the output.)"""
    if " => " not in path:
        return path
    start, end = path.find("{"), path.find("}")
    if -1 < start < end:
        inner = path[start + 1 : end].split(" => ", 1)[-1]
        return (path[:start] + inner + path[end + 1 :]).replace("//", "/")
    return path.split(" => ", 1)[1]


def _to_commit(item: dict) -> Commit:
    files = []
    for entry in item.get("files", ()):
        path = entry.get("newfile") or renamed_path(entry.get("file") or "")
        files.append(
            ChangedFile(
                _mended(_unquote(path)), _count(entry.get("added")), _count(entry.get("removed"))
            )
        )
    return Commit(
        sha=item["commit"],
        parents=item.get("parents") or [],
        author=_mended(item.get("Author", "")),
        authored_at=dt.datetime.fromisoformat(item["AuthorDate"]),
        trailers={
            # .strip(): a message written with CRLF line ends keeps its CR (fuller dropped it).
            name: [_mended(person).strip() for person in item[name]]
            for name in TRAILERS
            if item.get(name)
        },
        files=files,
    )


def directory_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


class GitMirror:
    """A bare clone of one repository in the cache, kept between syncs for incremental reads.

    `remote` is the https URL (or, for staff and the command line, a local path). Every command
    runs with a clean environment and within `deadline` (a `time.monotonic()` value); clone and
    fetch also stop when the clone grows past `max_bytes`.
    """

    def __init__(self, path: Path, remote: str, *, local: bool, deadline: float, max_bytes: int):
        self.path = Path(path)
        self.remote = remote
        self.local = local
        self.deadline = deadline
        self.max_bytes = max_bytes
        self._home = self.path.parent / ".home"

    # ENVIRONMENT: nothing from the user's or the system's git configuration, no prompts, one
    # protocol, no redirects (an allowed host must not bounce the clone to an internal address).
    def _env(self) -> dict[str, str]:
        self._home.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self._home),
            "LANG": "C",
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "true",
            "SSH_ASKPASS": "true",
            "GIT_ALLOW_PROTOCOL": "file" if self.local else "https",
            "GIT_LFS_SKIP_SMUDGE": "1",
        }
        for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
            if name in os.environ:
                env[name] = os.environ[name]
        return env

    def _git(self, *args: str) -> list[str]:
        return [
            "git",
            "-c",
            "http.followRedirects=false",
            "-c",
            "core.hooksPath=" + os.devnull,
            "-c",
            "core.quotepath=off",
            "-c",
            "protocol.allow=never",
            "-c",
            f"protocol.{'file' if self.local else 'https'}.allow=always",
            "-c",
            "safe.directory=*",
            *args,
        ]

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeBudgetExceeded("The sync ran out of time; the next sync goes on from here.")
        return remaining

    def run(self, *args: str, check: bool = True, cwd: Path | None = None) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                self._git(*args),
                cwd=cwd or self.path,
                env=self._env(),
                capture_output=True,
                timeout=self._remaining(),
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise TimeBudgetExceeded(
                "The sync ran out of time; the next sync goes on from here."
            ) from error
        if check and done.returncode != 0:
            raise MiningError(self._explain(done.stderr))
        return _decode(done.stdout) if done.returncode == 0 else ""

    def _explain(self, stderr: bytes) -> str:
        lines = [line for line in _decode(stderr).splitlines() if line.strip()]
        last = lines[-1] if lines else "git failed"
        # Never echo a local path of this machine back to a web page.
        return last.replace(str(self.path), "<clone>")[:300]

    def _watched(self, argv: list[str], cwd: Path) -> None:
        """Run clone/fetch, killing it when it outlives the deadline or outgrows the limit."""
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            argv, cwd=cwd, env=self._env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
        reader.start()
        try:
            while proc.poll() is None:
                if time.monotonic() > self.deadline:
                    raise TimeBudgetExceeded("Fetching the repository took too long.")
                if self.path.exists() and directory_size(self.path) > self.max_bytes:
                    raise RepositoryTooLarge(
                        "The repository is larger than this site's limit for clones."
                    )
                # Returns as soon as git ends (a fetch with nothing new: at once).
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.1)
        except MiningError:
            proc.kill()
            proc.wait()
            raise
        reader.join(timeout=5)
        if proc.returncode != 0:
            raise MiningError(self._explain(b"".join(errors)))

    # CLONE AND FETCH
    def ensure(self, branch: str) -> str:
        """Clone or fetch `branch` (empty: the default branch); returns the branch name read."""
        if (self.path / "HEAD").exists():
            resolved = branch or self.default_branch()
            self._watched(
                self._git(
                    "fetch",
                    "--prune",
                    "--no-tags",
                    "--quiet",
                    "origin",
                    f"+refs/heads/{resolved}:refs/heads/{resolved}",
                ),
                cwd=self.path,
            )
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                shutil.rmtree(self.path)
            argv = ["clone", "--bare", "--no-tags", "--single-branch", "--quiet"]
            if branch:
                argv += ["--branch", branch]
            try:
                self._watched(
                    self._git(*argv, "--", self.remote, str(self.path)), cwd=self.path.parent
                )
            except MiningError:
                shutil.rmtree(self.path, ignore_errors=True)
                raise
            resolved = branch or self.default_branch()
        os.utime(self.path)  # the cache evicts the least recently used clones first
        return resolved

    def default_branch(self) -> str:
        name = self.run("symbolic-ref", "--short", "HEAD", check=False).strip()
        return name or "main"

    # READING
    def tip(self, branch: str) -> str | None:
        sha = self.run(
            "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False
        )
        return sha.strip() or None

    def is_ancestor(self, old: str, new: str) -> bool:
        if not old:
            return False
        done = subprocess.run(  # noqa: S603
            self._git("merge-base", "--is-ancestor", old, new),
            cwd=self.path,
            env=self._env(),
            capture_output=True,
            timeout=self._remaining(),
            check=False,
        )
        return done.returncode == 0

    @staticmethod
    def _pathspec(path_filter: str) -> list[str]:
        return ["--", path_filter] if path_filter else []

    def count(self, revisions: list[str], path_filter: str = "") -> int:
        text = self.run(
            "rev-list", "--count", "--no-merges", *revisions, *self._pathspec(path_filter)
        )
        return int(text.strip() or 0)

    def reachable(self, tip: str, path_filter: str = "") -> set[str]:
        text = self.run("rev-list", "--no-merges", tip, *self._pathspec(path_filter))
        return set(text.split())

    def commits(self, revisions: list[str], path_filter: str = "") -> Iterator[Commit]:
        """The non-merge commits in `revisions`, newest first, parsed by Perceval.

        Merge commits are left out: their changes are the merged commits' changes, credited
        there. Renames are detected (-M), so a moved file counts under its new path. Perceval's
        own command adds `--raw` (file modes and blob ids); nothing here needs them, and leaving
        them out halves what git writes and Python reads. The committer lines go too
        (PERCEVAL_FORMAT)."""
        argv = self._git(
            "log",
            "--numstat",
            f"--format={PERCEVAL_FORMAT}",
            "--parents",
            "--no-decorate",
            "--no-merges",
            "--use-mailmap",
            "-M",
            *revisions,
            *self._pathspec(path_filter),
        )
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            argv, cwd=self.path, env=self._env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
        reader.start()
        finished = False
        ahead = _ReadAhead(proc.stdout)
        try:
            lines = io.TextIOWrapper(
                io.BufferedReader(ahead, READ_AHEAD_CHUNK),
                encoding="utf-8",
                errors="surrogateescape",
                newline="\n",
            )
            for item in GitParser(lines).parse():
                if time.monotonic() > self.deadline:
                    raise TimeBudgetExceeded(
                        "The sync ran out of time; the next sync goes on from here."
                    )
                yield _to_commit(item)
            finished = True
        finally:
            if not finished:
                proc.kill()
            proc.wait()
            ahead.finish(stopped=not finished)
            proc.stdout.close()
            reader.join(timeout=5)
        if proc.returncode != 0:
            raise MiningError(self._explain(b"".join(errors)))

    def check_mailmap(self, people: Iterable[str]) -> dict[str, str]:
        """The canonical "Name <address>" of each trailer identity, by the repository's .mailmap."""
        people = [p for p in dict.fromkeys(people) if "<" in p and ">" in p]
        mapped: dict[str, str] = {}
        for start in range(0, len(people), 200):
            chunk = people[start : start + 200]
            done = subprocess.run(  # noqa: S603
                self._git("check-mailmap", *chunk),
                cwd=self.path,
                env=self._env(),
                capture_output=True,
                timeout=self._remaining(),
                check=False,
            )
            if done.returncode != 0:  # a malformed contact: keep them as written
                continue
            for person, line in zip(chunk, _decode(done.stdout).splitlines(), strict=False):
                mapped[person] = line.strip()
        return mapped
