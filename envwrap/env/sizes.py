"""Keeping WORKON_HOME tidy: how big each environment is, when it was last used,
and why ``envwrap gc`` (:mod:`envwrap.cli.gc`) would remove it.

Sizes are what ``du`` reports: blocks on disk of every file, directory and link
in the environment, each hard-linked file counted once (by device and inode).
A file hard-linked from outside the environment (uv links packages from its
cache) is counted in full: it is part of the environment, though deleting the
environment frees it only when no other link is left.

The size cache. Walking an environment costs one stat per file (about 4 ms for
an env with pip on a warm disk cache; 0.45 s for 100 such envs); checking a
cached size costs one stat per directory (about 20 times fewer). The cache
(``sizes/`` in the user cache dir, one file per WORKON_HOME) keeps, per env, the
size and the inode and change time (ctime) of each of its directories; a size is
reused only while every one of those directories is the same directory with the
same ctime. Any file created, removed or renamed anywhere in the environment
changes its directory's ctime (which no program can set back), so pip installs
and uninstalls, new bytecode caches and new directories are always seen. What
it cannot see is a file growing or shrinking in place (appended to, truncated)
while no directory entry changes: such a size stays stale until the next
change of an entry. Timestamps are coarse (a few ms), so an env with a directory
changed in the two seconds before it was measured is not cached at all: a
change made just after the measurement could otherwise share its timestamp.
"""

from __future__ import annotations

import os
import time

from envwrap.core.errors import UserError
from envwrap.env import registry

RACY_NS = 2_000_000_000
_CACHE_VERSION = 1


# ----------------------------------------------------------------- sizes


def _blocks(st: os.stat_result) -> int:
    blocks = getattr(st, "st_blocks", None)
    return blocks * 512 if blocks is not None else st.st_size


def measure(path: str, since_ns: int | None = None) -> tuple[int, list, bool]:
    """(size, directory signatures, racy) of the tree at ``path``; racy when a
    directory changed after ``since_ns`` (then the signatures prove nothing)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    dirs: list = []
    racy = False
    stack = [""]
    while stack:
        rel = stack.pop()
        here = os.path.join(path, rel) if rel else path
        try:
            st = os.stat(here) if not rel else os.lstat(here)  # the env itself may be a symlink
            entries = os.scandir(here)
        except OSError:
            continue
        dirs.append([rel, st.st_ino, st.st_ctime_ns])
        if since_ns is not None and st.st_ctime_ns >= since_ns:
            racy = True
        total += _blocks(st)
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(os.path.join(rel, entry.name) if rel else entry.name)
                        continue
                    est = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # gone meanwhile
                if est.st_nlink > 1:
                    key = (est.st_dev, est.st_ino)
                    if key in seen:
                        continue
                    seen.add(key)
                total += _blocks(est)
    return total, dirs, racy


def _unchanged(path: str, dirs: list) -> bool:
    if not dirs:
        return False
    try:
        for rel, ino, ctime in dirs:
            st = os.lstat(os.path.join(path, rel)) if rel else os.stat(path)
            if st.st_ino != ino or st.st_ctime_ns != ctime:
                return False
    except (OSError, ValueError, TypeError):
        return False
    return True


class Sizes:
    """Sizes of the environments of one WORKON_HOME, through the cache; use as a
    context manager (the cache is written on the way out)."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)
        self._entries: dict | None = None
        self._dirty = False

    def _file(self) -> str:
        import hashlib

        from envwrap.seeding.sources import cache_root

        key = hashlib.sha256(os.fsencode(self.root)).hexdigest()[:20]
        return os.path.join(os.fspath(cache_root()), "sizes", f"{key}.json")

    def _load(self) -> dict:
        if self._entries is None:
            import json

            try:
                with open(self._file(), encoding="utf-8") as fh:
                    data = json.load(fh)
                entries = data["envs"] if data.get("version") == _CACHE_VERSION else {}
                self._entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._entries = {}
        return self._entries

    def of(self, path) -> int:
        path = os.fspath(path)
        entries = self._load()
        name = os.path.basename(path)
        cached = entries.get(name)
        if isinstance(cached, dict) and _unchanged(path, cached.get("dirs", ())):
            size = cached.get("size")
            if isinstance(size, int):
                return size
        size, dirs, racy = measure(path, time.time_ns() - RACY_NS)
        if racy or not dirs:  # not trustworthy yet, or the env could not be read
            entries.pop(name, None)
        else:
            entries[name] = {"size": size, "dirs": dirs}
        self._dirty = True
        return size

    def save(self) -> None:
        if not self._dirty or self._entries is None:
            return
        import json
        import uuid

        kept = {n: e for n, e in self._entries.items()
                if os.path.isfile(os.path.join(self.root, n, "pyvenv.cfg"))}
        target = self._file()
        tmp = f"{target}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"version": _CACHE_VERSION, "envs": kept}, fh, separators=(",", ":"))
            os.replace(tmp, target)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        self._dirty = False

    def __enter__(self) -> Sizes:
        return self

    def __exit__(self, *exc_info) -> None:
        self.save()


# ----------------------------------------------------------------- showing


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover


def when(timestamp: float | None, now: float | None = None) -> str:
    if timestamp is None:
        return "never recorded"
    now = time.time() if now is None else now
    days = int((now - timestamp) // 86400)
    ago = "today" if days <= 0 else ("yesterday" if days == 1 else f"{days} days ago")
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) + f" ({ago})"


# ----------------------------------------------------------------- gc

_UNITS = {"d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> int:
    """Seconds in ``90d`` (days) or ``12w`` (weeks); nothing else (``6m`` could
    be minutes or months)."""
    number, unit = text[:-1], text[-1:]
    if not (number.isdigit() and number.isascii()) or unit not in _UNITS:
        raise UserError(f"gc: --unused takes a whole number of days or weeks, like 90d or 12w (not '{text}')", 2)
    return int(number) * _UNITS[unit]


def last_change(path: str) -> float:
    """When an env never recorded as used was last changed: created (its
    pyvenv.cfg) or installed into (its site-packages directory)."""
    from envwrap.core.layout import Layout

    times = []
    for candidate in (os.path.join(path, "pyvenv.cfg"), Layout.of(path).site_packages()):
        try:
            if candidate:
                times.append(os.stat(candidate).st_mtime)
        except OSError:
            pass
    return max(times) if times else 0.0


def reasons(path: str, unused: int | None, broken: bool, missing_project: bool, now: float) -> list[str]:
    """Why ``gc`` would remove the env at ``path`` (empty: it stays)."""
    found = []
    if broken:
        problem = registry.broken(path)
        if problem:
            found.append(f"broken: {problem}")
    if missing_project:
        project = registry.project_of(path)
        if project is not None and not os.path.isdir(project):
            found.append(f"its project {project} is gone")
    if unused is not None:
        used = registry.last_used(path)
        if used is None:
            since = last_change(path)
            if now - since >= unused:
                found.append(f"never recorded as used; unchanged since {when(since, now)}")
        elif now - used >= unused:
            found.append(f"last used {when(used, now)}")
    return found
