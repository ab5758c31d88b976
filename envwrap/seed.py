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
        if sp is not None and sp.parent.name.startswith("python"):
            return "cpython", sp.parent.name[len("python"):]
        raise UserError(f"cannot tell the Python version of {layout.root} from its pyvenv.cfg")
    impl = cfg.get("implementation", "cpython").lower()
    return impl, f"{parts[0]}.{parts[1]}"


def _copy_file(src: str, dst: str) -> None:
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        st = os.fstat(fin.fileno())
        size = st.st_size
        if hasattr(os, "fchmod"):
            os.fchmod(fout.fileno(), st.st_mode & 0o7777)  # keep execute bits
        copy_range = getattr(os, "copy_file_range", None)
        if copy_range is not None:
            try:
                while size > 0:
                    done = copy_range(fin.fileno(), fout.fileno(), size)
                    if done == 0:
                        break
                    size -= done
                return
            except OSError:
                fin.seek(0)
                fout.seek(0)
                fout.truncate()
        shutil.copyfileobj(fin, fout, 1 << 20)


def copy_tree(src: Path, dst: Path, bytecode: bool = True) -> None:
    ignore = None if bytecode else shutil.ignore_patterns("__pycache__")
    shutil.copytree(src, dst, symlinks=True, copy_function=_copy_file, dirs_exist_ok=True, ignore=ignore)


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


def write_pip_launchers(staged: Layout, final: Layout, version: str) -> None:
    if staged.windows:  # pragma: no cover - Windows launchers come from ensurepip
        return
    text = _launcher(final.python, "pip._internal.cli.main.main")
    for name in ("pip", "pip3", f"pip{version}"):
        path = staged.bin_dir / name
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
        for entry in _pip_entries(site):
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
