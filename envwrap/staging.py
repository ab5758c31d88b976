"""Atomic creation and removal inside WORKON_HOME.

An environment is built in ``WORKON_HOME/.envwrap/staging/<id>/<name>`` and
published with one rename; it is removed by renaming it into
``WORKON_HOME/.envwrap/trash`` first. Listing and completion only see direct
children of WORKON_HOME that hold a ``pyvenv.cfg``, so a half-built or
half-deleted environment is never visible.

Each staging directory holds a lock file that its builder keeps locked
(``flock``) while alive. The kernel drops the lock when the process dies, even
on SIGKILL, so any later command can tell a leftover from work in progress and
sweep it (:func:`sweep`).

Names are also locked while created or removed (``.envwrap/locks``), so two
``mkvirtualenv`` of one name at once: one wins, the other is told.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import uuid
from pathlib import Path

from envwrap.errors import UserError
from envwrap.home import state_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _lock_fd(path: Path, blocking: bool) -> int | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if fcntl is None:  # pragma: no cover
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


class NameLock:
    """Held while one process creates, copies into or removes one name."""

    def __init__(self, home: Path, name: str):
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        self.path = state_dir(home) / "locks" / f"{digest}.lock"
        self.name = name
        self.fd: int | None = None

    def __enter__(self) -> NameLock:
        try:
            self.fd = _lock_fd(self.path, blocking=False)
        except OSError as exc:
            raise UserError(f"cannot lock {self.path}: {exc.strerror}") from None
        if self.fd is None:
            raise UserError(
                f"environment '{self.name}' is being created or removed by another envwrap process"
            )
        return self

    def __exit__(self, *exc_info) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Stage:
    """A private directory to build in; removed on any failure, SIGINT included."""

    def __init__(self, home: Path):
        self.home = home
        self.dir = state_dir(home) / "staging" / uuid.uuid4().hex[:16]
        self.fd: int | None = None

    def __enter__(self) -> Stage:
        try:
            self.dir.mkdir(parents=True)
            self.fd = _lock_fd(self.dir / ".lock", blocking=True)
        except OSError as exc:
            raise UserError(f"cannot create a staging directory in {self.home}: {exc.strerror}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        # Whatever happened (success moved the env out already), the stage goes.
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def publish(staged: Path, final: Path) -> None:
    """Move a finished environment into place; refuse to replace anything."""
    if os.path.lexists(final):
        raise UserError(f"environment '{final.name}' already exists")
    try:
        os.rename(staged, final)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise UserError(f"environment '{final.name}' already exists") from None
        raise UserError(f"cannot move the new environment into {final}: {exc.strerror}") from None


def discard(path: Path, home: Path) -> None:
    """Remove an environment directory: first out of sight, then from disk.

    A symbolic link is unlinked, never followed.
    """
    if path.is_symlink():
        path.unlink()
        return
    trash = state_dir(home) / "trash"
    trash.mkdir(parents=True, exist_ok=True)
    target = trash / uuid.uuid4().hex[:16]
    try:
        os.rename(path, target)
    except OSError as exc:
        raise UserError(f"cannot remove {path}: {exc.strerror}") from None
    _rmtree_here(target)


def _rmtree_here(path: Path) -> None:
    # rmtree never follows symlinks to directories (it unlinks them); make files
    # writable first so read-only trees (e.g. git objects) go too.
    def onerror(func, name, exc_info):
        try:
            os.chmod(name, 0o700)
            func(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=onerror)


def sweep(home: Path) -> list[Path]:
    """Remove staging dirs whose builder is gone, and anything left in the trash."""
    removed: list[Path] = []
    base = state_dir(home)
    staging = base / "staging"
    try:
        entries = list(os.scandir(staging))
    except OSError:
        entries = []
    for entry in entries:
        path = Path(entry.path)
        lock = path / ".lock"
        fd = None
        try:
            fd = _lock_fd(lock, blocking=False)
        except OSError:
            continue
        if fd is None:
            continue  # someone is building there right now
        try:
            _rmtree_here(path)
            removed.append(path)
        finally:
            os.close(fd)
    try:
        trash = list(os.scandir(base / "trash"))
    except OSError:
        trash = []
    for entry in trash:
        _rmtree_here(Path(entry.path))
        removed.append(Path(entry.path))
    return removed


def leftovers(home: Path) -> list[Path]:
    """What :func:`sweep` would remove, without removing it."""
    found: list[Path] = []
    base = state_dir(home)
    for sub in ("staging", "trash"):
        try:
            for entry in os.scandir(base / sub):
                if sub == "staging":
                    fd = _lock_fd(Path(entry.path) / ".lock", blocking=False)
                    if fd is None:
                        continue
                    os.close(fd)
                found.append(Path(entry.path))
        except OSError:
            pass
    return found
