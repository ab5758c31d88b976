"""Writing a file inside an environment: always a new file made beside it and
renamed over it, never an open-for-writing of the path itself.

Why: an environment's files may be controlled by someone else than the one
running envwrap (root copying, renaming or repairing a user's env). A file there
may be a symbolic link planted so that a writer that opens the path overwrites
what the link points to (``bin/activate -> /etc/passwd``). A rename replaces the
link itself, and a directory on the way that leads out of the environment
(``bin -> /etc``) is refused. Every writer of a file inside an env goes through
:func:`replace`.
"""

from __future__ import annotations

import os
import stat

from envwrap.core.errors import UserError

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_BINARY", 0)


def within(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or below it (both already resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def replace(path, data: bytes | str, inside=None, mode: int | None = None, sync: bool = False) -> None:
    """Make ``path`` a regular file holding ``data`` (str is written as UTF-8).

    The new file is created (exclusively, without following links) beside
    ``path`` and renamed over it: a link at ``path`` is replaced, never written
    through. When ``inside`` (the environment's directory) is given, the
    directory of ``path`` must resolve to a place within it, or nothing is
    written (a UserError says why). The new file gets ``mode`` when given, else
    the permission bits (and, as root, the owner) of the regular file it
    replaces, else the usual 0o666 less the umask."""
    path = os.fspath(path)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    parent, name = os.path.split(os.path.abspath(path))
    real_parent = os.path.realpath(parent)
    if inside is not None and not within(real_parent, os.path.realpath(os.fspath(inside))):
        raise UserError(f"{parent} leads out of the environment {os.fspath(inside)} (a link to {real_parent}); "
                        f"not writing {name} there")
    try:
        old = os.lstat(path)
    except FileNotFoundError:
        old = None
    keep = old if old is not None and stat.S_ISREG(old.st_mode) else None
    tmp = f".{name}.envwrap-{os.urandom(4).hex()}"
    dir_fd = None
    if os.open in os.supports_dir_fd and os.replace in os.supports_dir_fd:
        dir_fd = os.open(real_parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        where = {"dir_fd": dir_fd} if dir_fd is not None else {}
        tmp_path = tmp if dir_fd is not None else os.path.join(real_parent, tmp)
        fd = os.open(tmp_path, _FLAGS, 0o600 if (mode is not None or keep is not None) else 0o666, **where)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                if mode is not None or keep is not None:
                    os.chmod(fd if os.chmod in os.supports_fd else tmp_path,
                             mode if mode is not None else keep.st_mode & 0o777)
                if keep is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
                    try:  # root rewriting another user's file leaves it theirs
                        os.fchown(fd, keep.st_uid, keep.st_gid)
                    except OSError:
                        pass
                if sync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            if dir_fd is not None:
                os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            else:
                os.replace(tmp_path, os.path.join(real_parent, name))
        except BaseException:
            try:
                os.unlink(tmp_path, **where)
            except OSError:
                pass
            raise
    finally:
        if dir_fd is not None:
            os.close(dir_fd)


def is_regular(path) -> bool:
    """Whether ``path`` is a regular file itself (a link to one is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
