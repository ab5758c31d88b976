"""Remembering which pip the last new env of a Python got, so that the next one
gets the same without looking again (the hot path of ``mkvirtualenv``).

Choosing a pip (:mod:`envwrap.seeding.sources`) lists every place a pip can be
(envwrap's cache and wheel dir, uv's cache, the pip beside envwrap, the wheel
bundled with the Python), reads metadata and hashes RECORD files: a few
milliseconds and imports of pathlib, re and hashlib that creating an env would
otherwise not need. After a choice of the shared zip, this module writes down
the choice and the modification time of every directory that was listed; the
next creation for the same Python (same version, same prefix, same envwrap
site-packages) reuses it while each of those directories is unchanged. A pip
added or removed anywhere changes its directory's time, and the full choice
runs again. The record is a plain file in envwrap's cache
(``seed-choice/``): deleting it only costs the next creation the full look.

Only ``os`` is imported here, and :mod:`envwrap.core` modules that the
creation path has loaded already. :mod:`envwrap.seeding.reuse` uses the record.
"""

from __future__ import annotations

import os
import sys

_VERSION = "v1"


def _own_site_dirs() -> list[str]:
    # the same list as sources._own_site_dirs, as strings
    return [p for p in sys.path if p and os.path.basename(p) in ("site-packages", "dist-packages")]


def _uv_buckets() -> list[str]:
    """The wheel buckets in uv's cache (``wheels-v8``: a new one comes with a
    new uv), found as sources.uv_cache_dir finds the cache."""
    root = os.environ.get("UV_CACHE_DIR")
    if not root:
        if os.name == "nt":
            local = os.environ.get("LOCALAPPDATA")
            root = os.path.join(local, "uv", "cache") if local else None
        else:
            xdg = os.environ.get("XDG_CACHE_HOME")
            root = os.path.join(xdg, "uv") if xdg else os.path.join(os.path.expanduser("~"), ".cache", "uv")
    try:
        return sorted(n for n in os.listdir(root) if n.startswith("wheels-v")) if root else []
    except OSError:
        return []


def _record_path(impl: str, version: str, prefix: str | None, mode: str) -> str:
    from envwrap.core import home

    key = "\0".join([_VERSION, impl, version, prefix or "", mode, *_own_site_dirs(), "uv", *_uv_buckets()])
    from envwrap.core.names import digest

    name = digest(key, 24)
    return os.path.join(home.cache_dir(), "seed-choice", name)


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def recall(impl: str, version: str, prefix: str | None, mode: str) -> tuple[str, str] | None:
    """(seed dir, shared zip's name) chosen last time for this Python and
    ``mode`` setting, when nothing it looked at has changed since; else None."""
    try:
        with open(_record_path(impl, version, prefix, mode), encoding="utf-8", errors="surrogateescape") as fh:
            lines = fh.read().split("\n")
    except OSError:
        return None
    if len(lines) < 3 or lines[0] != _VERSION or lines[-1] != "":
        return None
    seed, zip_name = lines[1], lines[2]
    for line in lines[3:-1]:
        stamp, sep, directory = line.partition("\t")
        if not sep or str(_mtime(directory)) != stamp:
            return None
    if not os.path.isdir(seed):
        return None
    return seed, zip_name


def stamps(directories) -> list[tuple[str, int | None]]:
    """The modification times of ``directories``, taken *before* looking in
    them (a pip added while looking then makes the record stale at once)."""
    return [(os.fspath(d), _mtime(os.fspath(d))) for d in directories]


def remember(impl: str, version: str, prefix: str | None, mode: str, seed, zip_name: str,
             stamped: list[tuple[str, int | None]]) -> None:
    """Write down the choice of ``seed`` (and its zip ``zip_name``), with the
    ``stamped`` directories; a failure to write is no error."""
    from envwrap.core import atomicfile

    path = _record_path(impl, version, prefix, mode)
    lines = [_VERSION, os.fspath(seed), zip_name]
    lines += [f"{t}\t{d}" for d, t in stamped if "\n" not in d and "\t" not in d]
    if "\n" in lines[1] or "\n" in zip_name:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomicfile.replace(path, "\n".join(lines) + "\n", inside=os.path.dirname(path))
    except OSError:
        pass


def env_facts(layout) -> tuple[str, str, str] | None:
    """(implementation, version, home) from an env's pyvenv.cfg: the key of the
    record (None when the file says too little: the full choice decides)."""
    from envwrap.core.layout import read_cfg

    try:
        cfg = read_cfg(layout.cfg)
    except (OSError, UnicodeError):
        return None
    version = cfg.get("version_info") or cfg.get("version") or ""
    if version.count(".") < 1 or not cfg.get("home"):
        return None
    return cfg.get("implementation", "cpython").lower(), version, cfg["home"]
