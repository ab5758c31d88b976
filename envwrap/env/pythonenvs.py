"""A project's ``.python-envs`` file (PEP 832, draft of 2026-07-31).

The format: UTF-8 text, one environment per line (``\\n`` or ``\\r\\n``), each
line a path (absolute, or relative to the file's directory), duplicates
allowed; the last non-blank line is the project's default environment, and a
``.venv`` directory beside the file counts as an implicit last line (so it is
the default when there is one).

The writers (:func:`append`, :func:`replace`, :func:`remove`) change only the
lines that name the given environment (a line names it when it resolves to the
same absolute path) and leave every other line byte for byte, other tools'
included. They run under ``.python-envs.lock`` beside the file (an exclusive
``flock``, the place virtualenv's writer uses too), replace the file whole by a
rename, and refuse a ``.python-envs`` that is a symbolic link (never written
through). A file that cannot be read as the format says (a directory, not
readable, not UTF-8, larger than :data:`CAP`) raises a one-line
:class:`~envwrap.core.errors.UserError` naming it, and nothing is written.

Other modules: ``append(project, env)`` makes ``env`` the project's default.
"""

from __future__ import annotations

import os
import stat

from envwrap.core.errors import UserError

NAME = ".python-envs"
LOCK = ".python-envs.lock"
CAP = 1024 * 1024  # a file of environment paths larger than this is not one


def file_of(project) -> str:
    return os.path.join(os.fspath(project), NAME)


def _raw(project) -> bytes | None:
    """The file's bytes, None when there is none; UserError when it is no file
    that can be read as one (following a link: readers may)."""
    path = file_of(project)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None if not os.path.islink(path) else b""  # a dangling link names nothing
    except OSError as exc:
        raise UserError(f"{path} cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserError(f"{path} is a directory, not a list of environments")
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"{path} is not a regular file")
    if st.st_size > CAP:
        raise UserError(f"{path} is larger than {CAP // 1024} KiB: not a list of environments")
    try:
        with open(path, "rb") as fh:
            data = fh.read(CAP + 1)
    except OSError as exc:
        raise UserError(f"{path} cannot be read: {exc.strerror}") from None
    if len(data) > CAP:
        raise UserError(f"{path} is larger than {CAP // 1024} KiB: not a list of environments")
    return data


def _split(project, data: bytes) -> list[str]:
    """The lines with their terminators kept (so that untouched ones stay exact)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{file_of(project)} is not UTF-8 text (PEP 832 asks for UTF-8)") from None
    if "\x00" in text:
        raise UserError(f"{file_of(project)} holds NUL bytes: not a list of environments")
    parts = text.split("\n")  # \n only (str.splitlines would split at \f, \u2028 and more)
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _bare(line: str) -> str:
    return line.rstrip("\r\n").strip()


def lines(project) -> list[str] | None:
    """The file's lines, without terminators and trimmed (blank ones kept, so
    that index + 1 is the line number); None when there is no file."""
    data = _raw(project)
    return None if data is None else [_bare(line) for line in _split(project, data)]


def resolve(project, line: str) -> str:
    """The absolute, normalized path a line names (relative: to the project)."""
    return os.path.normpath(os.path.join(os.path.abspath(os.fspath(project)), line))


def is_env(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def default(project) -> tuple[str, int] | None:
    """The project's default environment and the number of the line naming it
    (0: the implicit line of a ``.venv`` directory beside the file); None when
    there is no ``.python-envs``. Raises UserError for a file that cannot be
    read, names nothing, or whose default is not an environment (PEP 832: a
    reader that cannot use the default fails; another line is never taken)."""
    found = lines(project)
    if found is None:
        return None
    local = os.path.join(os.path.abspath(os.fspath(project)), ".venv")
    if os.path.isdir(local) and is_env(local):
        return local, 0
    for number in range(len(found), 0, -1):
        if found[number - 1]:
            env = resolve(project, found[number - 1])
            if not is_env(env):
                raise UserError(f"{file_of(project)}, line {number}: {found[number - 1]} is not an environment "
                                "(the default is the last line; fix or remove that line)")
            return env, number
    raise UserError(f"{file_of(project)} names no environment (every line is blank)")


def names(project, env) -> bool:
    """Whether a line of the project's file names ``env`` (False for a file that
    cannot be read)."""
    try:
        found = lines(project) or []
    except UserError:
        return False
    want = resolve(project, env)
    return any(line and resolve(project, line) == want for line in found)


class _locked:
    """Hold ``.python-envs.lock`` (flock) beside the file; the lock file is
    created when missing (never through a link) and left for the next writer.
    (A class, not contextlib's decorator: readers import this module on
    auto-activation's call, and contextlib brings collections and functools.)"""

    def __init__(self, project):
        self.path = os.path.join(os.fspath(project), LOCK)

    def __enter__(self) -> str:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        while True:
            try:
                fd = os.open(self.path, flags, 0o644)
            except OSError as exc:
                raise UserError(f"cannot lock {self.path}: {exc.strerror}") from None
            try:
                _lock(fd)
                held, now = os.fstat(fd), os.lstat(self.path)
            except FileNotFoundError:  # removed by the writer before us: take the new one
                os.close(fd)
                continue
            except BaseException:
                os.close(fd)
                raise
            if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
                self.fd = fd
                return self.path
            os.close(fd)

    def __exit__(self, *exc) -> None:
        os.close(self.fd)  # closing releases the lock


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: a lock on the first byte
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def _writable(project) -> list[str]:
    """The file's lines (terminators kept) for a writer; [] when there is none."""
    path = file_of(project)
    if os.path.islink(path):
        raise UserError(f"{path} is a symbolic link; envwrap does not write through it")
    data = _raw(project)
    return [] if data is None else _split(project, data)


def check(project) -> None:
    """Raise the UserError a writer would raise for this project, writing nothing."""
    _writable(project)


def _line_for(env) -> str:
    env = os.path.normpath(os.path.abspath(os.fspath(env)))
    if "\n" in env or "\r" in env:
        raise UserError(f"cannot name {env!r} in {NAME}: its path holds a line break")
    return env


def _save(project, kept: list[str]) -> None:
    from envwrap.core import atomicfile

    atomicfile.replace(file_of(project), "".join(kept))


def _newline(kept: list[str]) -> str:
    return "\r\n" if kept and kept[0].endswith("\r\n") else "\n"


def append(project, env) -> None:
    """Make ``env`` the project's default: its absolute path as the last line
    (an earlier line naming it is dropped; the file is created when missing)."""
    line = _line_for(env)
    with _locked(project):
        kept = [raw for raw in _writable(project) if not (_bare(raw) and resolve(project, _bare(raw)) == line)]
        eol = _newline(kept)
        if kept and not kept[-1].endswith(("\n", "\r")):
            kept[-1] += eol
        _save(project, kept + [line + eol])


def replace(project, old, new) -> bool:
    """The lines naming ``old`` name ``new`` (absolute path) in their place;
    whether any did. A missing file is left missing."""
    want, line = resolve(project, old), _line_for(new)
    with _locked(project):
        if not os.path.lexists(file_of(project)):
            return False
        kept = _writable(project)
        hits = [i for i, raw in enumerate(kept) if _bare(raw) and resolve(project, _bare(raw)) == want]
        for i in hits:
            end = kept[i][len(kept[i].rstrip("\r\n")):]
            kept[i] = line + end
        if hits:
            _save(project, kept)
        return bool(hits)


def remove(project, env) -> bool:
    """Drop the lines naming ``env``; the file goes (with its lock) when no
    non-blank line is left. Whether any line was dropped."""
    want = resolve(project, env)
    with _locked(project) as lock:
        if not os.path.lexists(file_of(project)):
            return False
        old = _writable(project)
        kept = [raw for raw in old if not (_bare(raw) and resolve(project, _bare(raw)) == want)]
        if len(kept) == len(old):
            return False
        if any(_bare(raw) for raw in kept):
            _save(project, kept)
        else:
            os.unlink(file_of(project))
            try:
                os.unlink(lock)
            except OSError:
                pass
        return True
