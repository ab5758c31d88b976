"""Giving a new environment pip without running ensurepip every time.

The first environment made with a given Python X.Y runs ``ensurepip`` once (no
network: the wheel ships with Python); envwrap keeps a pristine copy of that pip
in its cache (platformdirs user cache dir, ``seed/v2-<impl>-X.Y/``). Every later
environment gets a *copy* of it (``copy_file_range``, which the kernel turns into
a reflink on btrfs/XFS), plus launchers written for that environment.

The copy leaves out bytecode: that halves the files to copy (about 500 instead of
1,000 for pip 23), which is most of the cost of creating an environment. Python
writes each module's ``.pyc`` the first time pip imports it, as after
``uv venv --seed``.

Why copies and not hard links: a hard link shares the file's bytes, so anything
that rewrote a file of one environment in place (an editor, ``sed -i`` without a
rename, a tool that opens with ``r+``) would change every environment and the
cache. With copies no environment's files can change because another one was
modified, whatever the tool.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path

from envwrap.errors import UserError
from envwrap.layout import Layout, read_cfg


def cache_root() -> Path:
    override = os.environ.get("ENVWRAP_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("envwrap", appauthor=False))


def env_version(layout: Layout) -> tuple[str, str]:
    """(implementation, 'X.Y') of an environment, from its pyvenv.cfg."""
    cfg = read_cfg(layout.cfg)
    version = cfg.get("version_info") or cfg.get("version") or ""
    parts = version.split(".")
    if len(parts) < 2:
        # venv on some versions writes neither; ask the directory name instead.
        sp = layout.site_packages()
        lib = os.path.basename(os.path.dirname(sp)) if sp else ""
        if lib.startswith("python"):
            return "cpython", lib[len("python"):]
        raise UserError(f"cannot tell the Python version of {layout.root} from its pyvenv.cfg")
    impl = cfg.get("implementation", "cpython").lower()
    return impl, f"{parts[0]}.{parts[1]}"


def _copy_file(src: str, dst: str) -> None:
    """Copy one regular file with its permission bits, in as few syscalls as the
    platform allows (``copy_file_range`` keeps the bytes in the kernel, and makes
    a reflink where the file system can)."""
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
            os.close(fout)
    finally:
        os.close(fin)


def copy_tree(src: Path, dst: Path, bytecode: bool = True) -> None:
    """Copy a directory tree: directories, regular files with their modes, and
    symbolic links as links (never followed). Bytecode caches are left out when
    ``bytecode`` is false. Much lighter than shutil.copytree, which matters for
    the ~500 files of pip that every new environment gets."""
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
                _copy_file(path, os.path.join(target, name))


def _pip_entries(site: Path) -> list[Path]:
    return [p for p in site.iterdir()
            if p.name == "pip" or (p.name.startswith("pip-") and p.name.endswith(".dist-info"))]


def _launcher(python: Path, module_call: str) -> str:
    py = str(python)
    # A plain shebang cannot hold spaces and is limited to 127 bytes; otherwise
    # use the /bin/sh trampoline, with the path single-quoted for sh.
    if " " not in py and len(py) < 120 and "\n" not in py:
        head = f"#!{py}\n"
    else:
        head = f"#!/bin/sh\n'''exec' {shlex.quote(py)} \"$0\" \"$@\"\n' '''\n"
    return head + (
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
        body = _launcher(Path("python"), module_call).split("\n", 1)[1]
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
        data = _windows_launcher(_windows_stub(site), Path(final.python), module_call)
        for name in names:
            Path(staged.bin_dir, name + ".exe").write_bytes(data)
        return
    text = _launcher(final.python, module_call)
    for name in names:
        path = Path(staged.bin_dir, name)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)


def _build_cache(python: Path, target: Path, env: dict) -> None:
    """Run ensurepip once, in a throwaway venv made by ``python``; keep its pip.

    Building it apart from the new environment means every environment, the
    first one included, gets exactly the same thing: pip, without setuptools.
    """
    scratch = target.parent / f".build-{uuid.uuid4().hex[:8]}"
    try:
        proc = subprocess.run(
            [str(python), "-m", "venv", str(scratch / "venv")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["ensurepip failed"])[-1]
            raise UserError(
                f"cannot install pip into the new environment ({last}); "
                "install your distribution's python3-venv package, or pass --without-pip"
            )
        site = Layout.of(scratch / "venv").site_packages()
        if site is None:
            raise UserError(f"ensurepip left no site-packages in {scratch}")
        (scratch / "site").mkdir()
        for entry in _pip_entries(Path(site)):
            copy_tree(entry, scratch / "site" / entry.name, bytecode=False)
        try:
            os.rename(scratch / "site", target)
        except OSError:
            pass  # another process filled the cache first; theirs is as good
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def seed_pip(staged: Layout, final: Layout) -> None:
    """Install pip into a staged environment that will live at ``final``."""
    impl, version = env_version(staged)
    target = cache_root() / "seed" / f"v2-{impl}-{version}"
    if not target.is_dir():
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.pop("VIRTUAL_ENV", None)
        target.parent.mkdir(parents=True, exist_ok=True)
        _build_cache(staged.python, target, env)
    site = staged.site_packages()
    if site is None:
        raise UserError(f"no site-packages in {staged.root}")
    copy_tree(target, site, bytecode=False)
    write_pip_launchers(staged, final, version)
