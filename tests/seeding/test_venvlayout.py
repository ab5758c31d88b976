"""envwrap lays out venv environments from a cached replay of venv's own tree
(envwrap/venvlayout.py): the result must be what venv makes, for every option
and interpreter, and a Python that starts in it must see the env as venv's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ENVWRAP = Path(sys.executable).parent / "envwrap"
HOSTILE = "it's a $HOME `x` é"
OWN = ("activate", "activate.fish", "Activate.ps1")  # envwrap's own, written after the layout


def backend(env, *args, **kw):
    return subprocess.run([str(ENVWRAP), *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120, **kw)


def snapshot(root: Path) -> dict:
    """Every entry under root: kind, mode, link target or bytes."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if rel in {f"bin/{n}" for n in OWN}:
                continue
            st = path.lstat()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = ("dir", oct(st.st_mode))
            else:
                found[rel] = ("file", oct(st.st_mode), path.read_bytes())
    return found


def venv_reference(target: Path, python: str | None, prompt: str, *flags: str) -> dict:
    """What venv itself makes at ``target``, in the way envwrap asks for it."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    if python is None:
        code = ("import sys, venv; venv.EnvBuilder(symlinks=%r, system_site_packages=%r, with_pip=False, "
                "prompt=sys.argv[2]).create(sys.argv[1])" % ("--copies" not in flags,
                                                             "--system-site-packages" in flags))
        subprocess.run([sys.executable, "-c", code, str(target), prompt], check=True, env=env)
    else:
        subprocess.run([python, "-m", "venv", "--without-pip", *flags, str(target)], check=True, env=env)
    snap = snapshot(target)
    shutil.rmtree(target)
    return snap


def make_both(user, name, python=None, *flags):
    """(envwrap's env, venv's env) made at the same path, one after the other."""
    home = Path(user["WORKON_HOME"])
    args = ["new", "--creator", "venv", "--without-pip", *flags]
    if python:
        args += ["-p", python]
    # the first one fills the cache (venv runs); the second is a replay
    assert backend(user, *args, "warm-up").returncode == 0
    r = backend(user, *args, name)
    assert r.returncode == 0, r.stderr
    mine = snapshot(home / name)
    moved = home.parent / "mine"
    os.rename(home / name, moved)
    ref = venv_reference(home / name, python, name, *flags)
    os.rename(moved, home / name)
    return mine, ref


@pytest.mark.parametrize("flags", [(), ("--copies",), ("--system-site-packages",)])
def test_the_env_is_what_venv_makes(user, flags):
    mine, ref = make_both(user, HOSTILE, None, *flags)
    assert mine == ref
    assert "lib64" in mine or sys.platform == "darwin"


def other_pythons():
    """Other CPython 3 binaries on this machine (not scripts such as pyenv's shims)."""
    found = {}
    candidates = [shutil.which(f"python3.{minor}") for minor in range(8, 15)]
    candidates += [str(p) for p in Path("~/.pyenv/versions").expanduser().glob("3.*/bin/python3")]
    for exe in filter(None, candidates):
        real = os.path.realpath(exe)
        with open(real, "rb") as fh:
            if fh.read(2) == b"#!":
                continue
        if real != os.path.realpath(sys._base_executable):
            found.setdefault(real, real)  # not a link: envwrap keeps links stable in pyvenv.cfg
    from envwrap.core.layout import version_in_name

    def version(exe):
        return tuple(int(n) for n in (version_in_name(os.path.basename(os.path.realpath(exe))) or "0.0").split("."))

    ordered = sorted(found.values(), key=version)
    return sorted({ordered[0], ordered[-1]}) if ordered else []  # the oldest and the newest


@pytest.mark.parametrize("python", other_pythons() or [pytest.param(None, marks=pytest.mark.skip("no other Python"))])
def test_another_interpreter_gets_the_layout_its_own_venv_makes(user, python):
    mine, ref = make_both(user, HOSTILE, python)
    assert mine == ref


def test_a_replayed_env_works_as_venvs_does(user, tmp_path):
    name = HOSTILE
    assert backend(user, "new", "--creator", "venv", "--without-pip", "first").returncode == 0
    assert backend(user, "new", "--creator", "venv", "--without-pip", name).returncode == 0
    env_dir = Path(user["WORKON_HOME"], name)
    code = "import sys, site; print(sys.prefix); print(sys.base_prefix); print(site.getsitepackages()[0])"
    out = subprocess.run([str(env_dir / "bin" / "python"), "-c", code], capture_output=True, text=True,
                         check=True, env={k: v for k, v in user.items() if k != "PYTHONHOME"}).stdout.split("\n")
    assert out[0] == str(env_dir) and out[1] != str(env_dir)
    assert out[2].startswith(str(env_dir / "lib")) and os.path.isdir(out[2])
    # venv can upgrade it in place, as any venv env
    cfg = env_dir / "pyvenv.cfg"
    subprocess.run([sys.executable, "-m", "venv", "--upgrade", "--without-pip", str(env_dir)], check=True)
    assert "home = " in cfg.read_text()
    assert subprocess.run([str(env_dir / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                          capture_output=True, text=True).stdout.strip() == str(env_dir)


def test_the_second_env_does_not_import_venv(user):
    assert backend(user, "new", "--creator", "venv", "--without-pip", "first").returncode == 0
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "envwrap", "new", "--creator", "venv",
                           "--without-pip", "second"], env=user, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "venv" not in imported and "ensurepip" not in imported
    assert Path(user["WORKON_HOME"], "second", "pyvenv.cfg").is_file()


def test_an_interpreter_replaced_in_place_gets_a_new_layout(tmp_path):
    """The cache key names the interpreter file's size and mtime: a Python
    upgraded where it is gets venv run again, never a stale tree."""
    from envwrap.seeding import venvlayout

    fake = tmp_path / "python3"
    shutil.copyfile(os.path.realpath(sys._base_executable), fake)
    before = venvlayout._key(str(fake), False, False)
    assert venvlayout._key(str(fake), False, False) == before
    assert venvlayout._key(str(fake), True, False) != before
    st = fake.stat()
    os.utime(fake, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert venvlayout._key(str(fake), False, False) != before


def test_a_path_venv_refuses_is_refused_in_one_line(user):
    r = backend(user, "new", "--creator", "venv", "--without-pip", "a:b")
    assert r.returncode != 0 and r.stderr.startswith("envwrap: ") and "Traceback" not in r.stderr
    assert not Path(user["WORKON_HOME"], "a:b").exists()
