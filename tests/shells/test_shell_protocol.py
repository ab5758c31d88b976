"""The shell runtime protocol (envwrap/shells/protocol.py) against the real hook files.

Each real shell loads its hook file and must define exactly the ``__envwrap_*``
functions the protocol declares for it, and every user command of the table;
PowerShell's file is parsed with tree-sitter. The code the emitters print calls
only declared functions of that shell, and calls every one declared as called
by plans. The hand-written code of the hook files keeps to its budget.
"""

from __future__ import annotations

import re

import pytest

from envwrap.cli import table as commandtable
from envwrap.shells import emitter, plan
from envwrap.shells import protocol as shellprotocol
from tools import gen_shells as _gen

from conftest import loaded_shell
from pwsh import nodes, parse, text

# How each shell lists the functions it has, one a line.
LIST_FUNCTIONS = {
    "bash": "compgen -A function",
    "zsh": "print -rl -- ${(k)functions}",
    "fish": "printf '%s\\n' (functions -a -n | string split ,)",
}


def _commands(shell: str) -> set[str]:
    return {c.name for c in commandtable.COMMANDS} | set(shellprotocol.EXTRA_COMMANDS[shell])


def _check(shell: str, defined: set[str]) -> None:
    private = {name for name in defined if name.startswith("__envwrap_")}
    declared = shellprotocol.defined_by(shell)
    assert private - declared == set(), f"{shell} defines functions the protocol does not declare"
    assert declared - private == set(), f"{shell} lacks functions the protocol declares"
    assert _commands(shell) - defined == set(), f"{shell} lacks user commands"


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish"])
def test_each_real_shell_defines_the_declared_functions(kind, user, tmp_path, envwrap_exe):
    shell = loaded_shell(kind, user, tmp_path, envwrap_exe)
    try:
        defined = set(shell.ok(LIST_FUNCTIONS[kind]).lines)
    finally:
        shell.close()
    _check(kind, defined)


def test_powershell_defines_the_declared_functions(ps_parser):
    tree, data = parse(ps_parser, (_gen.SHELL_DIR / _gen.FILES["powershell"]).read_text(encoding="utf-8"))
    names = {text(data, n).removeprefix("global:") for n in nodes(tree, "function_name")}
    # deactivate is defined by __envwrap_activate, while an env is active.
    _check("powershell", names - {"deactivate"})


def test_fish_defines_the_dynamic_functions_with_auto_activation_on(user, tmp_path, envwrap_exe):
    shell = loaded_shell("fish", user, tmp_path, envwrap_exe)
    try:
        shell.ok("set -g __envwrap_auto 1; __envwrap_auto_setup")
        defined = set(shell.ok(LIST_FUNCTIONS["fish"]).lines)
    finally:
        shell.close()
    dynamic = shellprotocol.defined_by("fish", shellprotocol.AUTO) - shellprotocol.defined_by("fish")
    assert dynamic and dynamic <= defined


# One value of each shape a plan step takes (envwrap/plan.py STEPS).
SAMPLE = {"path": "/p/q", "text": "t", "private": "__envwrap_sample", "source": "config",
          "pairs": (("NAME", "value"),)}
# A function called: a name at the start of a command, not one assigned to.
CALL = re.compile(r"(?:^\s*|[;&|]\s*|^\s*(?:or|and|if|elif|while|!)\s+)(__envwrap_\w+)(?![\w=+\[$])", re.M)


def _plan_calls(shell: str) -> set[str]:
    steps = [(kind, *(SAMPLE[shape] for shape in shapes)) for kind, shapes in plan.STEPS.items()]
    return set(CALL.findall(emitter(shell).render(steps)))


@pytest.mark.parametrize("shell", shellprotocol.SHELLS)
def test_the_emitters_call_exactly_the_functions_declared_for_plans(shell):
    calls = _plan_calls(shell)
    assert calls, "no call found: the pattern no longer reads the emitters' output"
    assert calls == shellprotocol.called_by_plans(shell)


@pytest.mark.parametrize("shell", shellprotocol.SHELLS)
def test_every_function_the_hook_file_calls_is_declared(shell):
    """A name in command position in a hook file (its own code and the generated
    blocks) is a declared function of that shell, or a variable it sets."""
    source = (_gen.SHELL_DIR / _gen.FILES[shell]).read_text(encoding="utf-8")
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    called = set(CALL.findall(code))
    assert len(called) > 10, "the pattern no longer reads the hook file's calls"
    assert called - shellprotocol.defined_by(shell, shellprotocol.ACTIVE, shellprotocol.AUTO) == set()


def test_bash_zsh_and_fish_pass_the_settings_of_the_one_list():
    for shell in ("bash", "zsh", "fish"):
        source = (_gen.SHELL_DIR / _gen.FILES[shell]).read_text(encoding="utf-8")
        block = _gen.blocks(shell, source)["runtime" if shell != "fish" else "call"]
        passed = re.findall(r"^\s*([A-Z][A-Z_]*)=\"\$\{?\1", block, re.M)
        assert passed == list(_gen.call_settings()), shell


# ----------------------------------------------------------------- the line budget

def handwritten_lines(text: str) -> int:
    """Code lines outside the generated blocks: not blank, not only a comment."""
    count, inside = 0, False
    for line in text.splitlines():
        if re.fullmatch(r"# BEGIN generated: \w+", line):
            inside = True
        elif re.fullmatch(r"# END generated: \w+", line):
            inside = False
        elif not inside and line.strip() and not line.strip().startswith("#"):
            count += 1
    return count


def _handwritten(shell: str) -> int:
    return handwritten_lines((_gen.SHELL_DIR / _gen.FILES[shell]).read_text(encoding="utf-8"))


def _shared() -> int:
    """The shell text several hook files are generated from (bash and zsh's
    runtime.sh.in, complete.sh.in and auto.sh.in): hand-written once, so counted once."""
    return sum(handwritten_lines(path.read_text(encoding="utf-8")) for path in _gen.SHELL_DIR.glob("*/*.in"))


def test_the_counter_skips_generated_blank_and_comment_lines():
    text = "a\n\n  # c\n# BEGIN generated: x\nb\n# END generated: x\n  d  # e\n"
    assert handwritten_lines(text) == 2


# Issue 20 asks for at most 400 hand-written lines in bash and zsh together, and
# 1,500 in the four shells. The text bash and zsh share is hand-written too and
# counts once. Each ceiling is what the shells hold now, so that it only goes
# down: bash 69 + zsh 21 + shared 304; with fish 390 and PowerShell 476.
BASH_AND_ZSH = 394
FOUR_SHELLS = 1260


def test_bash_and_zsh_keep_to_their_budget():
    assert _handwritten("bash") + _handwritten("zsh") + _shared() <= BASH_AND_ZSH


def test_the_four_shells_keep_to_their_budget():
    assert sum(_handwritten(shell) for shell in shellprotocol.SHELLS) + _shared() <= FOUR_SHELLS
