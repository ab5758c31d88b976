"""The inside of an environment: where its scripts, interpreter and packages are.

Resolved here, in Python, for both layouts (POSIX ``bin/`` + ``lib/pythonX.Y``,
Windows ``Scripts\\`` + ``Lib\\site-packages``), so every shell hook asks the
backend instead of guessing. Paths are plain strings (this is on the ``workon``
path, where importing pathlib would cost more than the rest).
"""

from __future__ import annotations

import os

# An environment's own variables (envwrap.env.variables reads and writes them):
# named here so that activating an env without any (the usual case) tells so
# with one stat, importing no reader.
VARS_FILE = ".envwrap-vars.toml"


class Layout:
    __slots__ = ("root", "windows")

    def __init__(self, root, windows: bool):
        self.root: str = os.fspath(root)
        self.windows = windows

    @classmethod
    def of(cls, root, windows: bool | None = None) -> Layout:
        root = os.fspath(root)
        if windows is None:
            # An environment made on Windows has Scripts\ and no bin/.
            has_bin = os.path.isdir(os.path.join(root, "bin"))
            windows = not has_bin and (os.path.isdir(os.path.join(root, "Scripts")) or os.name == "nt")
        return cls(root, windows)

    @property
    def bin_dir(self) -> str:
        return os.path.join(self.root, "Scripts" if self.windows else "bin")

    @property
    def python(self) -> str:
        return os.path.join(self.bin_dir, "python.exe" if self.windows else "python")

    @property
    def cfg(self) -> str:
        return os.path.join(self.root, "pyvenv.cfg")

    def site_packages(self) -> str | None:
        """The env's site-packages: on POSIX, ``lib/pythonX.Y/site-packages`` for
        the X.Y its pyvenv.cfg names (an env can hold several lib/pythonX.Y, e.g.
        after its base Python was upgraded), else the one for the interpreter
        ``bin/python`` resolves to, else the only (or first) one there is."""
        if self.windows:
            path = os.path.join(self.root, "Lib", "site-packages")
            return path if os.path.isdir(path) else None
        found = self.site_packages_by_version()
        if not found:
            return None
        for version in (self.cfg_version(), self.interpreter_version()):
            if version in found:
                return found[version]
        return found[min(found)]

    def site_packages_by_version(self) -> dict[str, str]:
        """{'X.Y': path} of every ``lib/<python|pypy>X.Y/site-packages`` (POSIX)."""
        lib = os.path.join(self.root, "lib")
        found: dict[str, str] = {}
        try:
            names = sorted(os.listdir(lib))
        except OSError:
            return found
        for name in names:
            version = version_in_name(name)
            sp = os.path.join(lib, name, "site-packages")
            if version is not None and version not in found and os.path.isdir(sp):
                found[version] = sp
        return found

    def cfg_version(self) -> str | None:
        """'X.Y' of the Python the env was made with, from its pyvenv.cfg."""
        try:
            cfg = read_cfg(self.cfg)
        except (OSError, UnicodeError):
            return None
        parts = (cfg.get("version_info") or cfg.get("version") or "").split(".")
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            return f"{int(parts[0])}.{int(parts[1])}"
        return None

    def interpreter_version(self) -> str | None:
        """'X.Y' of the interpreter ``bin/python`` runs today, from the name of
        the file it resolves to (``python3.12``; no process is started), else
        from pyvenv.cfg."""
        # The last name in the chain of links is all that is needed: follow the
        # links by hand (os.path.realpath would lstat every directory too).
        path = self.python
        for _ in range(40):
            try:
                target = os.readlink(path)
            except OSError:  # not a link (or not there): this is the file
                break
            path = os.path.join(os.path.dirname(path), target)
        return version_in_name(os.path.basename(path)) or self.cfg_version()


def version_in_name(name: str) -> str | None:
    """'X.Y' in an interpreter or lib directory name: python3.12, pypy3.10,
    python3.13t, python3.12.exe; None for python, python3 and the rest."""
    for prefix in ("python", "pypy"):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            break
    else:
        return None
    major, dot, tail = rest.partition(".")
    minor = ""
    for ch in tail:
        if not ch.isdigit():
            break
        minor += ch
    if not (major.isdigit() and dot and minor) or tail[len(minor):] not in ("", "t", ".exe", "t.exe"):
        return None
    return f"{int(major)}.{int(minor)}"


def read_text(path, limit: int = 1 << 20) -> str:
    """A small text file of an env (pyvenv.cfg, a .pth file, an activate
    script) as written, newlines untranslated; more than ``limit`` bytes is an
    OSError (EFBIG), as is any error reading it: a link to /dev/zero is never
    read to the end. UnicodeError when it is not UTF-8."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        import errno

        raise OSError(errno.EFBIG, f"larger than {limit} bytes", os.fspath(path))
    return data.decode("utf-8")


def read_cfg(path) -> dict[str, str]:
    """Parse pyvenv.cfg (``key = value`` lines) as CPython's site.py does: split on
    newlines only. Raises OSError / UnicodeError."""
    text = read_text(path)
    result: dict[str, str] = {}
    for line in text.split("\n"):
        key, sep, value = line.rstrip("\r").partition("=")
        if sep:
            result[key.strip().lower()] = value.strip()
    return result
