"""The README's first command: an interactive shell with envwrap and a throwaway
WORKON_HOME, which is gone after exit."""

from __future__ import annotations

import os
import re

import pexpect
import pytest

from conftest import require_shell
from realshell import Shell


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_demo_shell(shell, user, envwrap_exe, tmp_path):
    require_shell(shell)
    env = dict(user, PS1="DEMO> ")
    env.pop("WORKON_HOME")
    child = Shell(shell, env, cwd=tmp_path, argv=[str(envwrap_exe), "demo", shell], mode="pty").child
    try:
        child.expect(r"WORKON_HOME=(\S+) ")
        home = child.match.group(1)
        child.sendline("mkvirtualenv --without-pip demo-env >/dev/null 2>&1; echo \"[$VIRTUAL_ENV]\"")
        child.expect(r"\[([^\]\r\n]*)\]\r?\n")
        assert child.match.group(1) == f"{home}/demo-env"
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert re.search("envwrap-demo-", home)
    import os

    assert not os.path.exists(home)


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_demo_keeps_every_envwrap_dir_in_the_throwaway_place(shell, user, envwrap_exe, tmp_path):
    """The banner says the demo's home is thrown away: envwrap's cache and config
    go there too (a real user has no ENVWRAP_CACHE_DIR), so nothing of envwrap's
    is left in the user's home, and the user's config file is neither read nor
    changed."""
    require_shell(shell)
    import os
    from pathlib import Path

    home = Path(user["HOME"])
    env = {k: v for k, v in user.items() if k not in ("WORKON_HOME", "ENVWRAP_CACHE_DIR", "ENVWRAP_CREATOR")}
    env["PS1"] = "DEMO> "
    users_cfg = home / ".config" / "envwrap" / "config.toml"
    users_cfg.parent.mkdir(parents=True)
    users_cfg.write_text('creator = "virtualenv"\nauto_activate = true\n')
    before = users_cfg.read_bytes()
    child = Shell(shell, env, cwd=tmp_path, argv=[str(envwrap_exe), "demo", shell], mode="pty", timeout=60).child
    try:
        child.expect(r"WORKON_HOME=(\S+) ")
        scratch = Path(child.match.group(1)).parent
        child.sendline('printf "[%s|%s]\\n" "$ENVWRAP_CACHE_DIR" "$ENVWRAP_CONFIG"')
        child.expect(r"\[([^|\]\r\n]*)\|([^\]\r\n]*)\]\r?\n")
        cache, config = child.match.group(1), child.match.group(2)
        child.sendline("envwrap config creator; envwrap config auto_activate; echo done-$((6*7))")
        child.expect(r"\r?\n(\S+)\r?\n(\S+)\r?\ndone-42")
        shown = (child.match.group(1), child.match.group(2))
        child.sendline("mkvirtualenv demo-env >/dev/null 2>&1; echo \"[$VIRTUAL_ENV]\"; "
                       "envwrap config write_dot_venv false; echo done-$((6*8))")
        child.expect(r"\[([^\]\r\n]*)\]\r?\n")
        assert child.match.group(1) == str(scratch / "envs" / "demo-env")
        child.expect("done-48")
        made = sorted(os.listdir(cache))
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert Path(cache).parent == Path(config).parent.parent == scratch
    assert made, "the demo's mkvirtualenv (with pip) used the demo's cache"
    assert shown == ("venv", "false") or shown[0] == "uv", shown  # the user's config was not read
    assert users_cfg.read_bytes() == before
    for kept in (home / ".cache" / "envwrap", home / ".local" / "share" / "envwrap", home / ".virtualenvs"):
        assert not kept.exists(), kept
    assert sorted(p.name for p in (home / ".config" / "envwrap").iterdir()) == ["config.toml"]
    assert not scratch.exists()


def test_make_demo_installs_envwrap_alone(tmp_path):
    """`make demo` on a fresh checkout builds a venv with envwrap and its
    dependencies only, not the test and lint tools of the development venv."""
    import shutil
    import subprocess
    from pathlib import Path

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parents[2]
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(root / name, tmp_path / name)
    # (run as a user would: not as a sub-make of `make test`, which would print
    # the tmp directory, whose name holds "test", and pass make's flags down)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    proc = subprocess.run(["make", "--no-print-directory", "-n", "demo"], cwd=tmp_path, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert ".venv-demo/bin/python -m pip install --quiet -e ." in proc.stdout, proc.stdout
    assert "test" not in proc.stdout.replace("-e .", "") and "lint" not in proc.stdout, proc.stdout
