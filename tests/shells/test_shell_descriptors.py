"""One description per shell (envwrap.shells.Shell): every fact the backend uses
about a shell comes from it, and what it names exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from envwrap import shells
from envwrap.core.layout import Layout
from envwrap.env import hooks
from envwrap.shells import activate as activators
from envwrap.shells import loader as init

from conftest import ROOT

HOSTILE = "it's \"q\" $HOME `x` ü"


@pytest.mark.parametrize("shell", shells.SHELLS)
def test_what_a_descriptor_names_exists(shell):
    desc = shells.get(shell)
    assert init.shell_file(shell) == ROOT / "envwrap" / "shells" / shell / f"envwrap.{desc.extension}"
    assert init.shell_file(shell).is_file()
    assert Path(desc.activate_template_path()).is_file()
    assert activators.TEMPLATES[desc.activate_template_path()][0] == desc.activate_script
    assert desc.activate_path(Layout("/e", False)) == f"/e/bin/{desc.activate_script}"
    assert hooks.sourced("/h/postactivate", desc) == "/h/postactivate" + desc.hook_suffix
    assert type(desc.emitter()).__module__ == f"envwrap.shells.{desc.emitter_module}"
    assert desc.demo_argv[0] in desc.programs
    for alias in (shell, shell.upper(), *desc.aliases):
        assert shells.canonical(alias) == shell


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_quoter_reads_back_in_its_shell(shell):
    from conftest import require_shell

    code = {"bash": "printf %s {}", "zsh": "printf %s {}", "fish": "printf %s {}"}[shell]
    r = subprocess.run([require_shell(shell), "-c", code.format(shells.get(shell).quote(HOSTILE))],
                       capture_output=True, text=True)
    assert r.stdout == HOSTILE


def test_no_other_module_keeps_a_table_per_shell():
    """A dict keyed by shell names outside the descriptors is a second place to
    keep in step (the generator's per-shell templates excepted)."""
    allowed = {"shells/__init__.py"}
    found = []
    for path in sorted((ROOT / "envwrap").rglob("*.py")):
        rel = path.relative_to(ROOT / "envwrap").as_posix()
        text = path.read_text(encoding="utf-8")
        if rel not in allowed and re.search(r'"(bash|zsh|fish|powershell|pwsh)": ', text):
            found.append(rel)
    assert not found
