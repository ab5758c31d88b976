"""Copying a file or a tree the fast way: ``copy_file_range`` (a reflink on
btrfs/XFS), never a hard link; used by the seed, cpvirtualenv and the venv tree."""

from __future__ import annotations

import os
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


def copy_tree(src: Path, dst: Path, bytecode: bool = True, keep_times: bool = False) -> None:
    """Copy a directory tree: directories, regular files with their modes, and
    symbolic links as links (never followed). Bytecode caches are left out when
    ``bytecode`` is false; ``keep_times`` keeps each file's modification time.
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
            else:
                copy_file(path, os.path.join(target, name), keep_times)
