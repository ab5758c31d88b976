"""TAB completion of the envwrap command itself (issue 11): `envwrap <TAB>` offers
the public verbs of cli.USAGE, `envwrap VERB <TAB>` environment names where VERB
takes one (cli.NAME_VERBS: first argument; cli.NAMES_VERBS: every argument).
Each shell keeps a static copy of the lists; these tests hold the copies equal to
the Python side by what TAB actually offers, in real bash, zsh and fish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envwrap import shells
from envwrap.cli import table as cli

from conftest import ENVWRAP, HOSTILE_NAME, require_shell
from realshell import Shell, run_script

q = Shell.quote
ROOT = Path(__file__).resolve().parents[2]
HOSTILE = HOSTILE_NAME  # conftest's one hostile name
OTHER = "plain"


def usage_verbs() -> list[str]:
    """The verb column of `envwrap --help`."""
    verbs = [line.split()[0] for line in cli.usage().splitlines()[1:] if line.startswith("  ")]
    assert "path" in verbs and "sh" not in verbs and "say" not in verbs
    return verbs


def test_name_verbs_are_public_verbs():
    assert cli.NAMES_VERBS <= cli.NAME_VERBS <= set(usage_verbs())
    assert "new" not in cli.NAME_VERBS and "import" not in cli.NAME_VERBS


def make_envs(home: Path) -> None:
    for name in (HOSTILE, OTHER):
        (home / name).mkdir(parents=True)
        (home / name / "pyvenv.cfg").write_text("home = /usr/bin\n")


DEQUOTE_REPLY = 'for w in "${COMPREPLY[@]}"; do eval "printf \'[%s]\\\\n\' $w"; done'


def test_bash_completes_verbs_then_names(user, tmp_path):
    require_shell("bash")
    make_envs(tmp_path / "envs")
    shell = Shell("bash", user, cwd=tmp_path)
    try:
        shell.ok(f'eval "$({q(str(ENVWRAP))} init bash)"')
        # the one dispatcher (options, else verbs and names) is what TAB calls
        assert shell.ok("complete -p envwrap").stdout.strip().endswith("-F __envwrap_complete envwrap")

        def tab(*words: str) -> list[str]:
            arr = " ".join(q(w) for w in words)
            r = shell.ok(f"COMP_WORDS=({arr}); COMP_CWORD={len(words) - 1}; COMPREPLY=(stale); "
                         f"__envwrap_complete envwrap; {DEQUOTE_REPLY}")
            return sorted(line[1:-1] for line in r.lines)

        assert tab("envwrap", "") == sorted(usage_verbs())
        assert tab("envwrap", "pa") == ["path"]
        names = sorted([HOSTILE, OTHER])
        for verb in usage_verbs():
            assert tab("envwrap", verb, "") == (names if verb in cli.NAME_VERBS else []), verb
            second = tab("envwrap", verb, OTHER, "")
            assert second == (names if verb in cli.NAMES_VERBS else []), verb
        assert tab("envwrap", "show", "it") == [HOSTILE]
    finally:
        shell.close()


def test_fish_completes_verbs_then_names(fish, tmp_path):
    make_envs(tmp_path / "envs")
    lines = ["out all (complete -C 'envwrap ' | string replace -r '\\t.*' '')",
             "out pa (complete -C 'envwrap pa' | string replace -r '\\t.*' '')",
             "out hostile (complete -C 'envwrap show it')"]
    for i, verb in enumerate(usage_verbs()):
        lines.append(f"out first{i} (complete -C 'envwrap {verb} ')")
        lines.append(f"out second{i} (complete -C 'envwrap {verb} {OTHER} ')")
    r = fish.run("\n".join(lines) + "\n")
    assert sorted(r["all"]) == sorted(usage_verbs())
    assert r["pa"] == ["path"]
    assert r["hostile"] == [HOSTILE]
    names = sorted([HOSTILE, OTHER])
    for i, verb in enumerate(usage_verbs()):
        if verb in cli.NAME_VERBS:
            assert sorted(r[f"first{i}"]) == names, verb
        else:
            assert not set(r[f"first{i}"]) & set(names), verb
        if verb in cli.NAMES_VERBS:
            assert sorted(r[f"second{i}"]) == names, verb
        else:
            assert not set(r[f"second{i}"]) & set(names), verb


def test_zsh_lists_match_the_python_side(user, tmp_path):
    require_shell("zsh")
    # (where names follow is the dispatcher's case, tests/shells/test_table.py)
    proc = run_script("zsh", user, f". {q(shells.get('zsh').hook_file())}; print -l -- $__envwrap_verbs",
                      argv=["zsh", "--no-rcs"])
    assert proc.status == 0, proc
    assert proc.stdout.split() == usage_verbs()


@pytest.mark.parametrize("compinit", ["before", "after"])
def test_zsh_tab_completes_verb_and_hostile_name_in_a_real_terminal(compinit, user, tmp_path):
    from conftest import _interactive

    require_shell("zsh")
    make_envs(tmp_path / "envs")
    child = _interactive("zsh", user, ENVWRAP, tmp_path, compinit)
    try:
        child.send("envwrap pa\tit\t > out.txt\r")  # TAB twice: `path`, then the name, quoted
        child.expect("PROMPT> ")
    finally:
        child.sendline("exit")
        child.close(force=True)
    assert (tmp_path / "out.txt").read_text() == f"{tmp_path / 'envs' / HOSTILE}\n"

def test_powershell_lists_match_and_parse(ps_parser):
    from pwsh import parse

    text = Path(shells.get("powershell").hook_file()).read_text(encoding="utf-8")

    def ps_list(var: str) -> list[str]:
        m = re.search(r"^\$global:" + var + r" = @\(([^)]*)\)$", text, re.M)
        assert m, var
        return re.findall(r"'([^']*)'", m.group(1))

    assert ps_list("__envwrap_verbs") == usage_verbs()
    assert set(ps_list("__envwrap_name_verbs")) == cli.NAME_VERBS
    assert set(ps_list("__envwrap_names_verbs")) == cli.NAMES_VERBS
    assert "Register-ArgumentCompleter -Native -CommandName envwrap" in text
    parse(ps_parser, text)


# `rmvirtualenv a b <TAB>`: rmvirtualenv takes any number of names, and TAB
# offers them at every position (PowerShell once offered them at the first only).
RM_POSITIONS = ([], [OTHER], [OTHER, OTHER])


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_rmvirtualenv_completes_names_at_every_position_in_a_real_terminal(kind, user, tmp_path):
    from conftest import _interactive

    require_shell(kind)
    make_envs(tmp_path / "envs")
    child = _interactive(kind, user, ENVWRAP, tmp_path, "before")
    try:
        if kind == "zsh":
            child.sendline("bindkey -e")  # Ctrl-A below, whatever EDITOR says
            child.expect("PROMPT> ")
        # the completed line, run with its first word replaced: what the shell reads
        child.sendline("__t_show() { printf '<%s>' \"${@:2}\"; printf '\\n'; }")
        child.expect("PROMPT> ")
        for before in RM_POSITIONS:
            child.send(f"rmvirtualenv {''.join(w + ' ' for w in before)}it\t\x01__t_show \r")
            child.expect(r"(<[^\r\n]*>)\r?\n")
            assert re.findall(r"<([^<>]*)>", child.match.group(1)) == [*before, HOSTILE], before
            child.expect("PROMPT> ")
    finally:
        child.sendline("exit")
        child.close(force=True)
    assert not list(tmp_path.rglob("CANARY"))


def test_fish_rmvirtualenv_completes_names_at_every_position(fish, tmp_path):
    make_envs(tmp_path / "envs")
    lines = [f"out at{i} (complete -C 'rmvirtualenv {''.join(w + ' ' for w in before)}')"
             for i, before in enumerate(RM_POSITIONS)]
    r = fish.run("\n".join(lines) + "\n")
    for i, _ in enumerate(RM_POSITIONS):
        assert sorted(r[f"at{i}"]) == sorted([HOSTILE, OTHER]), i
