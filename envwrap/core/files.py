"""Copying a file or a tree the fast way: ``copy_file_range`` (a reflink on
btrfs/XFS), never a hard link; used by the seed, cpvirtualenv and the venv tree.
And removing a tree envwrap owns without ever following a link out of it."""

from __future__ import annotations

import errno
import os
import stat
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def copy_file(src: str, dst: str, keep_times: bool = False) -> None:
    """Copy one regular file with its permission bits, in as few syscalls as the
    platform allows (``copy_file_range`` keeps the bytes in the kernel, and makes
    a reflink where the file system can). With ``keep_times``, the copy gets the
    source's modification time too (what keeps a copied ``.pyc`` valid)."""
    fin = os.open(src, os.O_RDONLY)
    try:
        st = os.fstat(fin)
        fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, st.st_mode & 0o777)
        try:
            size = st.st_size
            copy_range = getattr(os, "copy_file_range", None)
            if copy_range is not None:
                try:
                    while size > 0:
                        done = copy_range(fin, fout, size)
                        if done == 0:
                            break
                        size -= done
                    return
                except OSError:
                    os.lseek(fin, 0, os.SEEK_SET)
                    os.ftruncate(fout, 0)
                    os.lseek(fout, 0, os.SEEK_SET)
            while True:
                chunk = os.read(fin, 1 << 20)
                if not chunk:
                    break
                os.write(fout, chunk)
        finally:
            if keep_times:  # after the bytes: writing would change it again
                _set_times(fout, dst, st)
            os.close(fout)
    finally:
        os.close(fin)


def _set_times(fd: int, path: str, st: os.stat_result) -> None:
    """Give the file open as ``fd`` (at ``path``) the times of ``st``."""
    times = (st.st_atime_ns, st.st_mtime_ns)
    if os.utime in os.supports_fd:
        os.utime(fd, ns=times)
    else:  # pragma: no cover - Windows
        os.utime(path, ns=times)


def copy_tree(src: Path, dst: Path, bytecode: bool = True, keep_times: bool = False, place=None) -> None:
    """Copy a directory tree: directories, regular files with their modes, and
    symbolic links as links (never followed). Bytecode caches are left out when
    ``bytecode`` is false; ``keep_times`` keeps each file's modification time.
    ``place(path, out, rel)``, when given, puts each regular file in place
    instead of a copy (``rel``: its path relative to ``src``): envwrap mv links.
    Much lighter than shutil.copytree, which matters for the ~500 files of pip
    that every new environment gets."""
    src_s, dst_s = os.fspath(src), os.fspath(dst)
    os.makedirs(dst_s, exist_ok=True)
    for dirpath, dirnames, filenames in os.walk(src_s):
        rel = dirpath[len(src_s):]
        target = dst_s + rel
        if rel:
            os.makedirs(target, exist_ok=True)
        if not bytecode and "__pycache__" in dirnames:
            dirnames.remove("__pycache__")
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):  # os.walk does not descend into these
                os.symlink(os.readlink(path), os.path.join(target, name))
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), os.path.join(target, name))
            elif place is not None:
                place(path, os.path.join(target, name), os.path.join(rel.lstrip(os.sep), name))
            else:
                copy_file(path, os.path.join(target, name), keep_times)


def rmtree_here(path: Path) -> None:
    """Delete a tree that envwrap owns (an environment in the trash, a stage).

    Symbolic links are unlinked, never followed, and nothing outside ``path``
    is changed. When a directory inside the tree refuses (no write or search
    permission, as left by some build tools), that directory -- checked with
    lstat to be a real directory inside the tree, never a link or its target --
    is made accessible to its owner and the removal tried again.
    """
    root = os.fspath(path)
    if os.path.islink(root) or (os.path.lexists(root) and not os.path.isdir(root)):
        try:
            os.unlink(root)
        except OSError:
            pass
        return

    # A directory of plain files only (a stage after its env was published: its
    # lock file): removed without shutil, which creating an env need not import.
    if not os.path.lexists(root):
        return
    try:
        with os.scandir(root) as found:
            entries = list(found)
        if not any(e.is_dir(follow_symlinks=False) for e in entries):
            for entry in entries:
                os.unlink(entry.path)
            os.rmdir(root)
            return
    except OSError:
        pass  # gone already, or in need of the careful way below
    import shutil

    def inside(name: str) -> bool:
        return name == root or name.startswith(root.rstrip(os.sep) + os.sep)

    def open_up(directory: str) -> bool:
        if not inside(directory):
            return False
        try:
            st = os.lstat(directory)
            if not stat.S_ISDIR(st.st_mode) or (stat.S_IMODE(st.st_mode) & 0o700) == 0o700:
                return False
            os.chmod(directory, stat.S_IMODE(st.st_mode) | 0o700)
            return True
        except OSError:
            return False

    for _ in range(64):
        changed = False

        def handle(func, name, exc) -> None:
            nonlocal changed
            if isinstance(exc, tuple):  # onerror's exc_info (Python < 3.12)
                exc = exc[1]
            name = os.fspath(name)
            if func is os.path.islink:
                # replaced by a symlink while we looked: remove the link itself
                if inside(name) and name != root and os.path.islink(name):
                    try:
                        os.unlink(name)
                        changed = True
                    except OSError:
                        pass
                return
            if getattr(exc, "errno", None) not in (errno.EACCES, errno.EPERM):
                return
            fixed = open_up(os.path.dirname(name))
            if func in (os.scandir, os.open, os.listdir):
                fixed = open_up(name) or fixed
            changed = changed or fixed

        if sys.version_info >= (3, 12):
            shutil.rmtree(root, onexc=handle)
        else:
            shutil.rmtree(root, onerror=handle)
        if not changed or not os.path.lexists(root):
            return
