"""The log git writes for Perceval: commit messages as people and old tools write them."""

import threading
import time

from repositories import mining
from repositories.mining import ChangedFile, GitMirror
from tests.repositories.gitrepo import GitRepo


def raw_commit(repo: GitRepo, message: bytes, *, parent: str | None, files: dict) -> str:
    """A commit whose message is kept byte for byte (`git commit` would clean it up)."""
    for name, content in files.items():
        (repo.path / name).write_text(content)
        repo.git("add", name)
    tree = repo.git("write-tree")
    person = {
        "GIT_AUTHOR_NAME": "Erin",
        "GIT_AUTHOR_EMAIL": "erin@example.org",
        "GIT_AUTHOR_DATE": "2025-04-01T12:00:00+00:00",
        "GIT_COMMITTER_NAME": "Erin",
        "GIT_COMMITTER_EMAIL": "erin@example.org",
        "GIT_COMMITTER_DATE": "2025-04-01T12:00:00+00:00",
    }
    message_file = repo.path.parent / "message"
    message_file.write_bytes(message)
    args = ["commit-tree", tree, "-F", str(message_file)] + (["-p", parent] if parent else [])
    sha = repo.git(*args, env=person)
    repo.git("update-ref", "refs/heads/main", sha)
    return sha


def test_messages_without_final_newline_with_crlf_tabs_or_empty_are_all_read(tmp_path):
    repo = GitRepo(tmp_path / "odd")
    root = raw_commit(repo, b"no final newline", parent=None, files={"a.py": "1\n"})
    crlf = raw_commit(
        repo,
        b"\n\n\tIndented\r\n\r\nReviewed-by:\tDana <dana@example.org>\r\n\n\n",
        parent=root,
        files={"b.py": "1\n2\n"},
    )
    empty = raw_commit(repo, b"", parent=crlf, files={"c.md": "x\n"})
    mirror = GitMirror(
        repo.path, str(repo.path), local=True, deadline=time.monotonic() + 60, max_bytes=10**9
    )
    commits = list(mirror.commits(["main"]))
    assert [c.sha for c in commits] == [empty, crlf, root]
    assert [c.parents for c in commits] == [[crlf], [root], []]
    assert [c.author for c in commits] == ["Erin <erin@example.org>"] * 3
    assert [c.files for c in commits] == [
        [ChangedFile("c.md", 1, 0)],
        [ChangedFile("b.py", 2, 0)],
        [ChangedFile("a.py", 1, 0)],
    ]
    assert [c.trailers for c in commits] == [{}, {"Reviewed-by": ["Dana <dana@example.org>"]}, {}]


def _history(tmp_path, commits: int) -> tuple[GitMirror, list[str]]:
    repo = GitRepo(tmp_path / "long")
    shas: list[str] = []
    for n in range(commits):
        shas.append(
            raw_commit(
                repo,
                f"Change {n}\n\nReviewed-by: Dana <dana@example.org>\n".encode(),
                parent=shas[-1] if shas else None,
                files={f"f{n % 7}.py": f"{n}\n" * (n % 5 + 1)},
            )
        )
    mirror = GitMirror(
        repo.path, str(repo.path), local=True, deadline=time.monotonic() + 60, max_bytes=10**9
    )
    return mirror, shas[::-1]


def test_the_read_ahead_gives_the_same_commits_through_a_tiny_buffer(tmp_path, monkeypatch):
    mirror, newest_first = _history(tmp_path, 40)
    whole = list(mirror.commits(["main"]))
    # Chunks of 7 bytes, two at a time: git waits on the queue at almost every line.
    monkeypatch.setattr(mining, "READ_AHEAD_CHUNKS", 2)
    monkeypatch.setattr(mining, "READ_AHEAD_CHUNK", 7)
    tiny = list(mirror.commits(["main"]))
    assert [c.sha for c in whole] == newest_first
    assert tiny == whole


def test_a_log_left_half_read_stops_git_and_its_reader(tmp_path, monkeypatch):
    mirror, newest_first = _history(tmp_path, 40)
    monkeypatch.setattr(mining, "READ_AHEAD_CHUNKS", 2)
    monkeypatch.setattr(mining, "READ_AHEAD_CHUNK", 64)  # the queue fills: the reader waits
    threads = threading.active_count()
    log = mirror.commits(["main"])
    assert next(log).sha == newest_first[0]
    log.close()  # as when a sync stops early (its time budget, an error)
    assert threading.active_count() == threads  # the reader thread has ended
