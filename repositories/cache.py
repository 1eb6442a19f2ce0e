"""The clone cache: one bare clone per source, bounded in size, least recently used first out."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

from repositories.mining import directory_size


def cache_root() -> Path:
    return Path(settings.REPOSITORY_CACHE_DIR)


def clone_path(source_id: int) -> Path:
    return cache_root() / f"source-{source_id}.git"


def remove_clone(source_id: int) -> None:
    shutil.rmtree(clone_path(source_id), ignore_errors=True)


def evict(*, keep: Path | None = None, limit: int | None = None) -> list[Path]:
    """Remove the least recently used clones until the cache fits its limit (never `keep`)."""
    limit = settings.REPOSITORY_CACHE_MAX_BYTES if limit is None else limit
    root = cache_root()
    if not root.exists():
        return []
    clones = [(path.stat().st_mtime, path) for path in root.glob("source-*.git") if path.is_dir()]
    sizes = {path: directory_size(path) for _mtime, path in clones}
    total = sum(sizes.values())
    removed = []
    for _mtime, path in sorted(clones):
        if total <= limit:
            break
        if keep is not None and path == keep:
            continue
        shutil.rmtree(path, ignore_errors=True)
        total -= sizes[path]
        removed.append(path)
    return removed
