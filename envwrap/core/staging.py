"""Atomic creation and removal inside WORKON_HOME.

An environment is built in ``WORKON_HOME/.envwrap/staging/<id>/<name>`` and
published with one rename; it is removed by renaming it into
``WORKON_HOME/.envwrap/trash`` first. Listing and completion only see direct
children of WORKON_HOME that hold a ``pyvenv.cfg``, so a half-built or
half-deleted environment is never visible.

Each staging directory holds a lock file that its builder keeps locked
(``flock``; ``msvcrt.locking`` on Windows) while alive. The kernel drops the
lock when the process dies, even on SIGKILL, so any later command can tell a
leftover from work in progress and sweep it (:func:`sweep`).

Names are also locked while created or removed (``.envwrap/locks``), so two
``mkvirtualenv`` of one name at once: one wins, the other is told. A name's
lock file is needed only while it is held: :func:`sweep` unlinks the free ones
(locked first, so never one that is held), and a process whose lock file was
unlinked between its open and its lock sees that and locks a fresh one.

The processes a builder starts (the creator, pip, ensurepip) inherit the stage's
lock (:func:`child_fds`, passed as ``pass_fds``): a flock belongs to the open
file, so the stage stays locked while any of them lives, even after the builder
was killed, and no sweep removes a directory that a child still writes into.
"""

from __future__ import annotations

import errno
import os

from envwrap.core.errors import UserError
from envwrap.core.files import rmtree_here
from envwrap.core.home import state_dir
from envwrap.core.names import digest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
# pathlib and hashlib are imported only where a Path is handed out, or on
# Windows: creating an env (the hot path) needs neither (see docs/performance.md).


try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def _flock(fd: int, blocking: bool) -> None:
    """POSIX: flock the whole file; the kernel drops it when the process dies."""
    fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))


def _msvcrt_lock(fd: int, blocking: bool, msvcrt=None) -> None:
    """Windows: lock the file's first byte with ``msvcrt.locking``; Windows
    drops it when the handle is closed or the process ends, even if killed.
    LK_NBLCK fails at once when another process holds it (EACCES, or EDEADLK
    from some C runtimes); blocking means trying again until it is free
    (LK_LOCK would give up after ten seconds)."""
    if msvcrt is None:
        import msvcrt
    import time

    os.lseek(fd, 0, os.SEEK_SET)  # the region starts at the current position
    while True:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return
        except OSError as exc:
            if not blocking or exc.errno not in (errno.EACCES, errno.EDEADLK):
                raise
        time.sleep(0.05)


# How this platform locks a file descriptor.
_lock = _flock if fcntl is not None else _msvcrt_lock


def _lock_fd(path, blocking: bool) -> int | None:
    os.makedirs(os.path.dirname(os.fspath(path)), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        _lock(fd, blocking)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES, errno.EDEADLK):
            return None
        raise
    return fd


def _holds(fd: int, path) -> bool:
    """Whether the locked ``fd`` is still the file at ``path`` (not one since
    unlinked by whoever removed the directory)."""
    try:
        here = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)


class NameLock:
    """Held while one process creates, copies into or removes one name."""

    def __init__(self, home, name: str):
        self.where = os.path.join(state_dir(home), "locks", f"{digest(name)}.lock")
        self.name = name
        self.fd: int | None = None

    @property
    def path(self) -> Path:
        from pathlib import Path

        return Path(self.where)

    def __enter__(self) -> NameLock:
        # A sweep may unlink the lock file between our open and our lock (it
        # was free then): the lock we got is on a file that is gone, and a
        # second process could lock a new one. So the lock counts only when the
        # file locked is still the one at the path; else lock afresh.
        for _ in range(100):
            try:
                fd = _lock_fd(self.where, blocking=False)
            except OSError as exc:
                raise UserError(f"cannot lock {self.where}: {exc.strerror}") from None
            if fd is None:
                raise UserError(
                    f"environment '{self.name}' is being created or removed by another envwrap process"
                )
            if _holds(fd, self.where):
                self.fd = fd
                return self
            os.close(fd)
        raise UserError(f"cannot lock {self.where}: it keeps disappearing")

    def __exit__(self, *exc_info) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class EnvLock:
    """Held, waiting for it, while one process reads, changes and writes back a
    file of one environment (add2virtualenv's .pth file): without it, two
    concurrent edits each write back what they read and one is lost. On POSIX
    the env's directory itself is locked (no file is made); on Windows a lock
    file in WORKON_HOME's state directory named after the env's real path."""

    def __init__(self, env):
        self.env = os.path.realpath(os.fspath(env))
        self.fd: int | None = None

    def __enter__(self) -> EnvLock:
        try:
            if fcntl is not None:
                self.fd = os.open(self.env, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(self.fd)
                    self.fd = None
                    raise
            else:  # pragma: no cover - Windows
                from envwrap.core import home

                path = os.path.join(state_dir(home.workon_home()), "locks", f"{digest(self.env)}.env.lock")
                self.fd = _lock_fd(path, blocking=True)
        except OSError as exc:
            raise UserError(f"cannot lock {self.env}: {exc.strerror}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# The lock fds of the stages this process is building in (see child_fds).
_held: list[int] = []


def child_fds() -> tuple[int, ...]:
    """``pass_fds`` for a process started while building: the stage locks."""
    if os.name == "nt":  # pragma: no cover - no pass_fds, and no flock, on Windows
        return ()
    return tuple(_held)


class Stage:
    """A private directory to build in; removed on any failure, SIGINT included."""

    def __init__(self, home):
        self.home = home
        self.where = os.path.join(state_dir(home), "staging", os.urandom(8).hex())  # a str: no pathlib
        self.fd: int | None = None

    @property
    def dir(self) -> Path:
        from pathlib import Path

        return Path(self.where)

    def __enter__(self) -> Stage:
        # A sweeper may hold the lock of a directory that was just made (it has
        # no way to tell it from a leftover yet) and delete it; the lock this
        # process then gets is on a file that is gone. So: lock, check the lock
        # file is still the one in place, else start over with a fresh directory.
        for _ in range(100):
            lock = os.path.join(self.where, ".lock")
            try:
                os.makedirs(self.where)
                fd = _lock_fd(lock, blocking=True)
            except (FileExistsError, FileNotFoundError):
                # A name taken, or the new directory already swept away (before
                # its lock file existed): start over with a fresh one.
                fd = None
            except OSError as exc:
                raise UserError(
                    f"cannot create a staging directory in {self.home}: {exc.strerror}"
                ) from None
            if fd is not None:
                if _holds(fd, lock):
                    self.fd = fd
                    _held.append(fd)
                    return self
                os.close(fd)
            self.where = os.path.join(os.path.dirname(self.where), os.urandom(8).hex())
        raise UserError(f"cannot create a staging directory in {self.home}: it keeps disappearing")

    def __exit__(self, *exc_info) -> None:
        # Whatever happened (success moved the env out already), the stage goes.
        rmtree_here(self.where)
        if self.fd is not None:
            if self.fd in _held:
                _held.remove(self.fd)
            os.close(self.fd)
            self.fd = None


def publish(staged, final) -> None:
    """Move a finished environment into place; refuse to replace anything."""
    name = os.path.basename(os.fspath(final))
    if os.path.lexists(final):
        raise UserError(f"environment '{name}' already exists")
    try:
        os.rename(staged, final)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise UserError(f"environment '{name}' already exists") from None
        raise UserError(f"cannot move the new environment into {final}: {exc.strerror}") from None


def discard(path: Path, home: Path) -> None:
    """Remove an environment directory: first out of sight, then from disk.

    A symbolic link is unlinked, never followed.
    """
    from pathlib import Path

    path = Path(path)
    if path.is_symlink():
        path.unlink()
        return
    trash = Path(state_dir(home)) / "trash"
    trash.mkdir(parents=True, exist_ok=True)
    target = trash / os.urandom(8).hex()
    try:
        os.rename(path, target)
    except OSError as exc:
        raise UserError(f"cannot remove {path}: {exc.strerror}") from None
    rmtree_here(target)


def backup_dir(home: Path) -> Path:
    """Where ``envwrap upgrade`` keeps an old env between its two renames."""
    from pathlib import Path

    return Path(state_dir(home)) / "backup"


def restore_backups(home: Path) -> list[str]:
    """An env that an upgrade, killed between its two renames, left in the
    backup goes back to its name when that name is free; when the name holds
    the new env, the backup is discarded. Names locked by a live process are
    left for later. Returns the names put back."""
    restored: list[str] = []
    try:
        holders = list(os.scandir(os.path.join(state_dir(home), "backup")))
    except OSError:
        return restored
    if holders:
        from pathlib import Path
    for holder in holders:
        try:
            inside = os.listdir(holder.path)
        except OSError:
            continue
        for name in inside:
            try:
                with NameLock(Path(home), name):
                    target = Path(home, name)
                    if os.path.lexists(target):
                        discard(Path(holder.path, name), Path(home))
                    else:
                        os.rename(os.path.join(holder.path, name), target)
                        restored.append(name)
            except (UserError, OSError):
                continue
        try:
            os.rmdir(holder.path)
        except OSError:
            pass
    return restored


def sweep(home: Path) -> list[Path]:
    """Remove staging dirs whose builder is gone, and anything left in the trash
    (after putting back what an interrupted upgrade left: restore_backups).

    Returns what is really gone (a directory that could not be removed entirely
    is not in the list)."""
    restore_backups(home)
    removed: list[Path] = []
    base = state_dir(home)
    try:
        entries = list(os.scandir(os.path.join(base, "staging")))
    except OSError:
        entries = []
    try:
        trash = list(os.scandir(os.path.join(base, "trash")))
    except OSError:
        trash = []
    if entries or trash:
        from pathlib import Path
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
            if not _holds(fd, lock):
                continue  # removed (and perhaps re-made) by someone else meanwhile
            rmtree_here(path)
            if not os.path.lexists(path):
                removed.append(path)
        finally:
            os.close(fd)
    for entry in trash:
        rmtree_here(Path(entry.path))
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    sweep_locks(home)
    return removed


def sweep_locks(home: Path) -> int:
    """Unlink the name lock files nobody holds (one is made for every name ever
    created, copied or removed); returns how many. Each is locked first, and
    unlinked only while locked and still in place, so a held lock is never
    touched, and :class:`NameLock` retries when it locked a file unlinked
    meanwhile. Only regular files named as NameLock names them, never
    through a link."""
    locks = os.path.join(state_dir(home), "locks")
    try:
        entries = list(os.scandir(locks))
    except OSError:
        return 0
    count = 0
    for entry in entries:
        stem = entry.name[:-len(".lock")] if entry.name.endswith(".lock") else ""
        if len(stem) != 32 or not all(c in "0123456789abcdef" for c in stem):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            fd = os.open(entry.path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        except OSError:
            continue
        try:
            _lock(fd, False)
        except OSError:
            os.close(fd)
            continue  # held: in use right now
        try:
            if _holds(fd, entry.path):
                if os.name == "nt":  # pragma: no cover - Windows cannot unlink an open file
                    os.close(fd)
                    fd = -1  # (an open handle elsewhere makes the unlink fail: then it stays)
                os.unlink(entry.path)
                count += 1
        except OSError:
            pass
        finally:
            if fd >= 0:
                os.close(fd)
    return count


def leftovers(home: Path) -> list[Path]:
    """What :func:`sweep` would remove (or put back: an interrupted upgrade's
    backup), without changing it."""
    from pathlib import Path

    found: list[Path] = []
    base = Path(state_dir(home))
    for sub in ("staging", "trash", "backup"):
        try:
            entries = list(os.scandir(base / sub))
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if sub == "staging":
                try:
                    fd = _lock_fd(path / ".lock", blocking=False)
                except OSError:
                    continue
                if fd is None:
                    continue  # being built right now
                try:
                    if not _holds(fd, path / ".lock"):
                        continue
                finally:
                    os.close(fd)
            found.append(path)
    return found
