"""The pip launchers written into each new environment (``pip``, ``pip3``,
``pipX.Y``): a shebang that survives long paths, or on Windows pip's stub with
a zip appended; listed in pip's RECORD so ``pip uninstall pip`` removes them."""

from __future__ import annotations

import os

from envwrap.core.errors import UserError
from envwrap.core.layout import Layout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
# pathlib and sources (re) are imported where used: writing POSIX launchers,
# on the hot path of creation, needs neither.

SHEBANG_LIMIT = 127


_SH_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def _sh_quote(text: str) -> str:
    """``shlex.quote``, without importing shlex (and re) on creation's hot path."""
    if text and _SH_SAFE.issuperset(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def shebang(python, args: str = "") -> str:
    """The first line(s) of a script run by ``python`` (and ``args``): a plain
    ``#!`` line when the kernel can read it (no whitespace, at most
    SHEBANG_LIMIT bytes with its newline), else a ``/bin/sh`` trampoline that
    execs the interpreter, its path single-quoted for sh. The trampoline's
    second line is also a Python string, so the rest of the script is
    unchanged."""
    py = os.fspath(python)
    tail = f" {args}" if args else ""
    line = f"#!{py}{tail}\n"
    if not any(c.isspace() for c in py) and len(os.fsencode(line)) <= SHEBANG_LIMIT:
        return line
    return f"#!/bin/sh\n'''exec' {_sh_quote(py)}{tail} \"$0\" \"$@\"\n' '''\n"


def _launcher(python: Path, module_call: str) -> str:
    return shebang(python) + (
        "# -*- coding: utf-8 -*-\n"
        "import sys\n"
        f"from {module_call.rpartition('.')[0]} import {module_call.rpartition('.')[2]}\n"
        "if __name__ == '__main__':\n"
        "    if sys.argv[0].endswith('.exe'):\n"
        "        sys.argv[0] = sys.argv[0][:-4]\n"
        f"    sys.exit({module_call.rpartition('.')[2]}())\n"
    )


def _windows_stub(site: str) -> bytes:
    """The console launcher that pip puts in front of the scripts it installs
    on Windows (distlib's ``t32.exe`` / ``t64.exe`` / ``t64-arm.exe``, shipped
    inside pip itself), for this machine's architecture."""
    import struct
    import sysconfig
    from pathlib import Path

    bits = "64" if struct.calcsize("P") == 8 else "32"
    arm = "-arm" if sysconfig.get_platform() == "win-arm64" else ""
    stub = Path(site, "pip", "_vendor", "distlib", f"t{bits}{arm}.exe")
    try:
        return stub.read_bytes()
    except OSError:
        raise UserError(f"cannot write the pip launchers: this pip has no {stub.name} "
                        "(pass --without-pip, or use --creator uv)") from None


def _windows_launcher(stub: bytes, python: Path, module_call: str) -> bytes:
    """A ``Scripts\\NAME.exe`` as pip writes one: the launcher, a ``#!`` line
    naming the interpreter (in double quotes when it holds a space), then a zip
    archive whose ``__main__.py`` is the script. The launcher starts the
    interpreter on its own file; Python runs the archive at the end of it."""
    import io
    import zipfile

    py = str(python)
    shebang = b"#!" + (f'"{py}"' if " " in py else py).encode("utf-8") + b"\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        # a fixed date: the same launcher for the same interpreter, byte for byte
        # the script of a POSIX launcher, without its #! line
        body = _launcher("python", module_call).split("\n", 1)[1]
        zf.writestr(zipfile.ZipInfo("__main__.py", date_time=(1980, 1, 1, 0, 0, 0)), body)
    return stub + shebang + archive.getvalue()


def write_pip_launchers(staged: Layout, final: Layout, version: str) -> None:
    """``pip``, ``pip3`` and ``pipX.Y`` in the env's scripts directory, naming
    the interpreter where the env will live (``final``): scripts on POSIX,
    ``.exe`` launchers on Windows (made here, as pip makes them: envwrap's
    environments never run ensurepip)."""
    names = ("pip", "pip3", f"pip{version}")
    module_call = "pip._internal.cli.main.main"
    if staged.windows:
        site = staged.site_packages()
        if site is None:
            raise UserError(f"no site-packages in {staged.root}")
        data = _windows_launcher(_windows_stub(site), final.python, module_call)
        from envwrap.core import atomicfile

        for name in names:
            atomicfile.replace(os.path.join(staged.bin_dir, name + ".exe"), data, inside=staged.root)
        return
    text = _launcher(final.python, module_call)
    from envwrap.core import atomicfile

    for name in names:
        atomicfile.replace(os.path.join(staged.bin_dir, name), text, inside=staged.root, mode=0o755)


def _record_launchers(site: str, staged: Layout, names: list[str]) -> None:
    """List the pip launchers in pip's RECORD (so ``pip uninstall pip`` removes
    them), unless the seed's RECORD lists them already (ensurepip's does)."""
    from envwrap.seeding.sources import _DIST_INFO

    infos = [n for n in os.listdir(site) if _DIST_INFO.match(n)]
    if not infos:
        return
    record = os.path.join(site, infos[0], "RECORD")
    rel = os.path.relpath(staged.bin_dir, site).replace(os.sep, "/")
    try:
        with open(record, encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return
    if f"{rel}/pip," in text:
        return
    lines = "".join(f"{rel}/{name},,\n" for name in names)
    from envwrap.core import atomicfile

    atomicfile.replace(record, text + ("" if text.endswith("\n") or not text else "\n") + lines, inside=site)
