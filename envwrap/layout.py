"""The inside of an environment: where its scripts, interpreter and packages are.

Resolved here, in Python, for both layouts (POSIX ``bin/`` + ``lib/pythonX.Y``,
Windows ``Scripts\\`` + ``Lib\\site-packages``), so every shell hook asks the
backend instead of guessing. Paths are plain strings (this is on the ``workon``
path, where importing pathlib would cost more than the rest).
"""

from __future__ import annotations

import os

ACTIVATE_SCRIPTS = {
    "bash": "activate",
    "zsh": "activate",
    "fish": "activate.fish",
    "powershell": "Activate.ps1",
}


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
        if self.windows:
            path = os.path.join(self.root, "Lib", "site-packages")
            return path if os.path.isdir(path) else None
        lib = os.path.join(self.root, "lib")
        try:
            candidates = sorted(n for n in os.listdir(lib) if n.startswith(("python", "pypy")))
        except OSError:
            return None
        for candidate in candidates:
            sp = os.path.join(lib, candidate, "site-packages")
            if os.path.isdir(sp):
                return sp
        return None

    def activate_script(self, shell: str) -> str:
        return os.path.join(self.bin_dir, ACTIVATE_SCRIPTS[shell])


def read_cfg(path) -> dict[str, str]:
    """Parse pyvenv.cfg (``key = value`` lines) as CPython's site.py does: split on
    newlines only. Raises OSError / UnicodeError."""
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    result: dict[str, str] = {}
    for line in text.split("\n"):
        key, sep, value = line.rstrip("\r").partition("=")
        if sep:
            result[key.strip().lower()] = value.strip()
    return result
