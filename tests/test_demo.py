"""The README's first command: an interactive shell with envwrap and a throwaway
WORKON_HOME, which is gone after exit."""

from __future__ import annotations

import re

import pexpect
import pytest

from conftest import require_shell


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_demo_shell(shell, user, envwrap_exe, tmp_path):
    require_shell(shell)
    env = dict(user, PS1="DEMO> ")
    env.pop("WORKON_HOME")
    child = pexpect.spawn(str(envwrap_exe), ["demo", shell], env=env, encoding="utf-8", timeout=30,
                          cwd=str(tmp_path))
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
