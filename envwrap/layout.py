"""The inside of an environment: where its scripts, interpreter and packages are.

Resolved here, in Python, for both layouts (POSIX ``bin/`` + ``lib/pythonX.Y``,
Windows ``Scripts\\`` + ``Lib\\site-packages``), so every shell hook asks the
backend instead of guessing.
"""

from __future__ import annotations

import os
from pathlib import Path


class Layout:
    __slots__ = ("root", "windows")

    def __init__(self, root: Path, windows: bool):
        self.root = root
        self.windows = windows

    @classmethod
    def of(cls, root: Path, windows: bool | None = None) -> Layout:
        if windows is None:
            # An environment made on Windows has Scripts\ and no bin/.
            windows = (root / "Scripts").is_dir() and not (root / "bin").is_dir()
            if not windows and not (root / "bin").is_dir():
                windows = os.name == "nt"
        return cls(root, windows)

    @property
    def bin_dir(self) -> Path:
        return self.root / ("Scripts" if self.windows else "bin")

    @property
    def python(self) -> Path:
        return self.bin_dir / ("python.exe" if self.windows else "python")

    @property
    def cfg(self) -> Path:
        return self.root / "pyvenv.cfg"

    def site_packages(self) -> Path | None:
        if self.windows:
            path = self.root / "Lib" / "site-packages"
            return path if path.is_dir() else None
        lib = self.root / "lib"
        try:
            candidates = sorted(p for p in lib.iterdir() if p.name.startswith(("python", "pypy")))
        except OSError:
            return None
        for candidate in candidates:
            sp = candidate / "site-packages"
            if sp.is_dir():
                return sp
        return None

    def activate_script(self, shell: str) -> Path:
        names = {
            "bash": "activate",
            "zsh": "activate",
            "fish": "activate.fish",
            "powershell": "Activate.ps1",
        }
        return self.bin_dir / names[shell]


def read_cfg(path: Path) -> dict[str, str]:
    """Parse pyvenv.cfg (``key = value`` lines). Raises OSError / UnicodeError."""
    result: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    for line in text.split("\n"):  # as CPython's site.py reads it: newlines only
        line = line.rstrip("\r")
        key, sep, value = line.partition("=")
        if sep:
            result[key.strip().lower()] = value.strip()
    return result
