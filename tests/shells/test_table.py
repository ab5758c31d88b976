"""The command table (envwrap/cli/table.py) is the one description of every user
command: each real shell must define exactly its commands and register exactly
its TAB completions, the generated blocks of the shell files must be what
`make shells` writes, and the CLI, commands.COMMANDS, the README's command table
and the tests' lists of commands must agree with it."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from envwrap.cli import table as t
from envwrap.shells.bash import generate as bash_gen
from envwrap.shells.fish import generate as fish_gen
from envwrap.shells.powershell import generate as ps_gen
from tools import gen_shells as _gen

from conftest import FAILING_COMMANDS, ROOT
from pwsh import functions, parse
from realshell import Shell

NAMES = [c.name for c in t.COMMANDS]

# Functions a shell file may define for the user besides the table's commands:
# fish answers virtualfish's `vf` too.
EXTRA = {"bash": set(), "zsh": set(), "fish": {"vf"}, "powershell": set()}


def _load(shell: str, user: dict, code: str) -> str:
    """Run ``code`` in a real ``shell`` that has loaded envwrap the way users do
    (zsh: after compinit, so that compdef registers)."""
    before = "autoload -Uz compinit; compinit -u -D\n" if shell == "zsh" else ""
    with Shell(shell, user, mode="script") as sh:
        r = sh.run(code, before=before, timeout=60, prelude=False)
    assert r.status == 0 and not r.stderr, (r.status, r.stderr)
    return r.stdout


# ----------------------------------------------------------------- the generated blocks

@pytest.mark.parametrize("shell", sorted(_gen.FILES))
def test_regenerating_the_shell_files_changes_nothing(shell):
    text = (_gen.SHELL_DIR / _gen.FILES[shell]).read_text(encoding="utf-8")
    assert set(_gen.blocks(shell, text)) == set(_gen.BLOCKS[shell])  # every block it makes, no other
    assert _gen.render(shell, text) == text, f"run `make shells`: {_gen.FILES[shell]} is out of date"


def test_the_check_mode_finds_a_stale_block(tmp_path, monkeypatch):
    for name in [*_gen.FILES.values(), *_gen.COPIES, *_gen.COPIES.values()]:
        text = (_gen.SHELL_DIR / name).read_text(encoding="utf-8")
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text.replace("mktmpenv", "mktmpenv_old", 1)
                                     if name == _gen.FILES["bash"] else text, encoding="utf-8")
    monkeypatch.setattr(_gen, "SHELL_DIR", tmp_path)
    assert _gen.main(["--check"]) == 1
    assert _gen.main([]) == 0 and _gen.main(["--check"]) == 0


def test_the_generator_knows_no_shell():
    """Adding a shell is its folder (and a test dialect): tools/gen_shells.py
    names no shell and compares with none; each shell's dialect is found by its
    folder's name, and says which blocks its hook file has."""
    from envwrap import shells

    source = (ROOT / "tools" / "gen_shells.py").read_text(encoding="utf-8")
    code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
    assert re.findall(r"[\"'](bash|zsh|fish|powershell|pwsh)[\"']", code) == []
    for shell in shells.SHELLS:
        assert _gen.dialect(shell).__file__ == str(_gen.SHELL_DIR / shell / "generate.py")
        assert _gen.BLOCKS[shell] and all(callable(make) for make, _ in _gen.BLOCKS[shell].values())


def test_a_copied_file_is_its_source_word_for_word(tmp_path, monkeypatch):
    """zsh's activate template is bash's, written by `make shells`: a copy edited
    by hand is stale, and regenerating puts the source back."""
    for copy, source in _gen.COPIES.items():
        assert (_gen.SHELL_DIR / copy).read_bytes() == (_gen.SHELL_DIR / source).read_bytes(), copy
    for name in [*_gen.FILES.values(), *_gen.COPIES, *_gen.COPIES.values()]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes((_gen.SHELL_DIR / name).read_bytes())
    copy = next(iter(_gen.COPIES))
    (tmp_path / copy).write_text("# edited by hand\n", encoding="utf-8")
    monkeypatch.setattr(_gen, "SHELL_DIR", tmp_path)
    assert _gen.main(["--check"]) == 1
    assert _gen.main([]) == 0 and _gen.main(["--check"]) == 0
    assert (tmp_path / copy).read_bytes() == (tmp_path / _gen.COPIES[copy]).read_bytes()


def test_a_custom_body_lives_outside_the_generated_blocks():
    """A command with a hand-written body is not also generated (it would be
    defined twice), and a generated one is not hand-written elsewhere."""
    for shell, name in _gen.FILES.items():
        text = (_gen.SHELL_DIR / name).read_text(encoding="utf-8")
        generated = _gen.blocks(shell, text)["commands"]
        for c in t.COMMANDS:
            pattern = {"bash": rf"^{c.name}\(\) \{{", "zsh": rf"^{c.name}\(\) \{{",
                       "fish": rf"^function {c.name} ", "powershell": rf"^function global:{c.name} \{{"}[shell]
            inside = len(re.findall(pattern, generated, re.M))
            everywhere = len(re.findall(pattern, text, re.M))
            assert everywhere == 1, (shell, c.name, everywhere)
            assert inside == (0 if c.custom else 1), (shell, c.name)


# ----------------------------------------------------------------- real shells

@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_defines_exactly_the_table_commands(shell, user):
    # fish: the functions envwrap's file defined (read from stdin), not fish's own
    # (with no function path, none of those is autoloaded by the listing).
    listing = {"bash": "compgen -A function", "zsh": "print -l -- ${(k)functions}",
               "fish": "set -g fish_function_path\n"
                       "for f in (functions --all --names); test (functions --details $f) = -; and echo $f; end"}[shell]
    found = {f for f in _load(shell, user, listing).split() if not f.startswith("_") and f != "deactivate"}
    if shell == "zsh":  # compinit's own
        found -= {"compdef", "compinit", "compaudit", "compdump", "compinstall"}
    assert found == set(NAMES) | EXTRA[shell]


# What each completion kind must run, as the shell's file dispatches it: the
# generator's own templates (kind -> what bash's or zsh's dispatcher runs).
def _kinds(shell: str) -> dict[str, str]:
    return bash_gen.kinds(_gen, shell)


def _dispatched(shell: str) -> dict[str, str]:
    """What __envwrap_complete (the one function registered for every command)
    runs for a word that is no option, per command, from the shell file."""
    text = (_gen.SHELL_DIR / _gen.FILES[shell]).read_text(encoding="utf-8")
    block = _gen.blocks(shell, text)["completion"]
    body = block.split("__envwrap_complete() {", 1)[1].split("\n}\n", 1)[0]
    return {name: arm for names, arm in re.findall(r"^        \(([\w|]+)\) (.+) ;;$", body, re.M)
            for name in names.split("|")}


def _completers(shell: str) -> str:
    """The completion functions the dispatcher calls (each must be defined)."""
    return " ".join(sorted(set(re.findall(r"__envwrap_complete_\w+", " ".join(_kinds(shell).values())))))


def test_bash_registers_the_table_completions(user):
    # (and defines every completion function the generator names)
    out = _load("bash", user, f"complete -p; declare -F {_completers('bash')} >/dev/null")
    registered = {}
    for line in out.splitlines():
        words = line.split()
        if "-F" in words:
            registered[words[-1]] = (words[words.index("-F") + 1], "-o default" in line)
    # One function for every command (options, then what the command's kind
    # completes); file names where it offers nothing for the commands whose
    # arguments may be files.
    assert registered == {c.name: ("__envwrap_complete", c.completes in bash_gen.DEFAULT) for c in t.COMMANDS}
    kinds = _kinds("bash")
    assert _dispatched("bash") == {c.name: kinds[c.completes] for c in t.COMMANDS if c.completes in kinds}


def test_zsh_registers_the_table_completions(user):
    out = _load("zsh", user, " ".join(["for c in", *NAMES, "; do print -r -- $c ${_comps[$c]-}; done;",
                                       f"functions {_completers('zsh')} >/dev/null"]))
    registered = dict(line.split(" ", 1) for line in out.splitlines() if " " in line and line.split(" ", 1)[1])
    assert registered == {c.name: "__envwrap_complete" for c in t.COMMANDS}
    kinds = _kinds("zsh")
    assert _dispatched("zsh") == {c.name: kinds[c.completes] for c in t.COMMANDS if c.completes in kinds}


def _fish_arguments(kind: str) -> set[tuple[str, bool, bool]]:
    """The argument completions the generator writes for ``kind`` (its
    FISH_COMPLETERS), as fish reports them back: (the -a argument, whether it
    has a condition, whether it rules out file names). Options and their
    arguments (-p's: see test_pythons.py) are left out."""
    found = set()
    for line in fish_gen.COMPLETERS[kind]:
        words = shlex.split(line)
        if "-a" not in words or {"-s", "-l", "-o"} & set(words):
            continue
        argument = words[words.index("-a") + 1].replace("$__envwrap_verbs", " ".join(t.PUBLIC_VERBS))
        found.add((argument, "-n" in words, bool({"-f", "-x"} & set(words))))
    return found


FISH_ARGUMENTS = {kind: _fish_arguments(kind) for kind in fish_gen.COMPLETERS}


def test_fish_registers_the_table_completions(user):
    out = _load("fish", user, "\n".join(f"echo '## {n}'; complete -c {n}" for n in NAMES))
    registered: dict[str, set] = {}
    command = None
    for line in out.splitlines():
        if line.startswith("## "):
            command = line[3:]
            registered[command] = set()
            continue
        words = shlex.split(line)
        if "-a" not in words or "-s" in words or "-l" in words or "-o" in words:
            continue  # an option, or an option's argument
        no_files = "--no-files" in words or "--exclusive" in words
        registered[command].add((words[words.index("-a") + 1], "-n" in words, no_files))
    assert registered == {c.name: FISH_ARGUMENTS[c.completes] for c in t.COMMANDS}


def test_powershell_registers_the_table_completions():
    text = (_gen.SHELL_DIR / _gen.FILES["powershell"]).read_text(encoding="utf-8")
    # Which commands declare the parameter that TAB completes, and for which the
    # completer is registered (rmvirtualenv's takes every argument: an array).
    declared = {}
    for name, parameter in re.findall(r"^function global:(\w+) \{\n"
                                      r"(?:    Set-StrictMode -Off\n|    \[CmdletBinding\(\)\]\n)?"
                                      r"    param\((?:\[Parameter\([^)]*\)\])?\[string(?:\[\])?\]\$(\w+)",
                                      text, re.M):
        if not name.startswith("_"):
            declared[name] = parameter
    registered = {}
    for parameter, names, call in re.findall(
            r"^Register-ArgumentCompleter -ParameterName (\w+) -CommandName @\(([^)]*)\) -ScriptBlock \{\n"
            r".*\n    (.*)\n\}", text, re.M):
        for name in re.findall(r"'(\w+)'", names):
            registered[name] = (parameter, call)
    calls = {"EnvName": "__envwrap_offer $wordToComplete (__envwrap_names)",
             "SubDir": "__envwrap_complete_subdirs $wordToComplete"}
    want = {kind: (parameter, calls[parameter] + (" -Site" if kind == t.SITE_SUBDIRS else ""))
            for kind, parameter in ps_gen.PARAMETERS.items()}
    expected = {c.name: want[c.completes] for c in t.COMMANDS if c.completes in want}
    assert registered == expected
    assert declared == {name: parameter for name, (parameter, _) in expected.items()}
    assert len(re.findall(r"^Register-ArgumentCompleter -Native -CommandName envwrap ", text, re.M)) == 1
    assert [c.name for c in t.COMMANDS if c.completes == t.VERBS] == ["envwrap"]


def test_every_powershell_command_reaches_the_backend_as_the_table_says(ps_parser):
    """The bodies PowerShell generates call the runner of the command's kind:
    allvirtualenv is the one backend loop there too (it once activated each env
    in the session instead)."""
    text = (_gen.SHELL_DIR / _gen.FILES["powershell"]).read_text(encoding="utf-8")
    tree, data = parse(ps_parser, text)
    found = functions(tree, data)
    for c in t.COMMANDS:
        body = data[found[c.name].start_byte:found[c.name].end_byte].decode("utf-8")
        if c.kind == t.EVAL:
            assert f"__envwrap_run {c.name} @" in body, c.name
        elif c.kind == t.CALL and c.verb:
            assert f"__envwrap_call {c.name} @" in body, c.name
            assert "__envwrap_run" not in body and "__envwrap_activate" not in body, c.name


# ----------------------------------------------------------------- Python and prose

def test_the_cli_follows_the_table():
    assert [line.split()[0] for line in t.usage().splitlines()[2:]] == list(t.PUBLIC_VERBS)
    assert set(t.PUBLIC_VERBS) <= set(t.VERB_HANDLERS) and "sh" not in t.PUBLIC_VERBS
    for c in t.COMMANDS:
        if c.kind == t.CALL and c.verb:
            assert t.COMMAND_VERBS.get(c.name, c.name) == c.verb and c.verb in t.VERB_HANDLERS, c.name
        if c.kind in (t.EVAL, t.SHELL):  # SHELL: the backend answers its --help
            assert c.verb == c.name and c.verb in t.PLAN_HANDLERS, c.name
    # Every `envwrap sh` command but the auto-activation hook's is a user command
    # (and deactivate, which activation defines: the backend answers its --help;
    # envwrap config KEY VALUE; and fish's vf activate and connect, rows of VF_ROWS).
    user_commands = {c.verb for c in t.COMMANDS if c.kind in (t.EVAL, t.SHELL)}
    assert set(t.PLAN_HANDLERS) - {"auto", "deactivate", "config", "vf-activate", "vf-connect"} == user_commands
    assert t.NAMES_VERBS <= t.NAME_VERBS <= set(t.PUBLIC_VERBS)


def test_a_user_command_help_names_the_command(envwrap_exe, user):
    for c in t.COMMANDS:
        if c.kind == t.CALL and c.verb and c.verb != c.name:
            r = subprocess.run([str(envwrap_exe), c.name, "--help"], env=user, capture_output=True, text=True)
            assert r.returncode == 0 and r.stdout.startswith(f"usage: {c.name}"), (c.name, r.stdout[:80])


def test_the_readme_command_table_lists_the_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    documented = {word for cell in rows for word in re.findall(r"`([a-z0-9]+)", cell)}
    # envwrap's own verbs are documented in their own section (a row may name
    # one, as `envwrap kernel`); deactivate is the activated env's function, not
    # a command of the shell files.
    assert documented - {"deactivate", "envwrap"} == set(NAMES) - {"envwrap"}


def test_the_test_lists_of_commands_cover_the_table():
    assert {call.split()[0] for call in FAILING_COMMANDS} == set(NAMES)


HOSTILE = "it's \"q\" $HOME `x` ü"


def _fake_envs(user: dict, names) -> None:
    from pathlib import Path

    for name in names:
        env = Path(user["WORKON_HOME"]) / name
        env.mkdir(parents=True)
        (env / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")


@pytest.mark.parametrize("shell", ["bash", "fish"])
def test_every_command_that_takes_a_name_completes_names(shell, user):
    """What TAB offers after each command, in the real shell: the env names for
    the table's name commands (the first argument of mv and setvirtualenvproject),
    none for the others."""
    _fake_envs(user, [HOSTILE, "plain"])
    if shell == "bash":
        code = "\n".join(
            f"COMP_WORDS=({c.name} ''); COMP_CWORD=1; COMPREPLY=(); "
            f"$(complete -p {c.name} 2>/dev/null | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p') 2>/dev/null; "
            f"printf '%s\\0' {c.name} \"${{#COMPREPLY[@]}}\""
            for c in t.COMMANDS if c.name != "envwrap")
    else:
        code = "\n".join(f"printf '%s\\0' {c.name} "
                         f"(count (complete -C '{c.name} ' | string replace -r '\\t.*' '' | string match -r '^plain$'))"
                         for c in t.COMMANDS if c.name != "envwrap")
    words = _load(shell, user, code).split("\0")[:-1]
    offered = dict(zip(words[::2], map(int, words[1::2])))
    name_kinds = {t.NAMES, t.FIRST_NAME, t.NAME_THEN_FILES}
    for c in t.COMMANDS:
        if c.name == "envwrap":
            continue
        # bash offers both names; fish's match counts the plain one.
        want = (2 if shell == "bash" else 1) if c.completes in name_kinds else 0
        assert offered[c.name] == want, (c.name, offered[c.name])


# ----------------------------------------------------------------- options, from the parsers

def _parser_words(argparser) -> set[str]:
    """The option strings a parser accepts and shows (hidden ones left out)."""
    import argparse

    return {o for a in argparser._actions if a.help != argparse.SUPPRESS for o in a.option_strings}


def _expected_options() -> dict[str, set[str]]:
    """Every command's options and every `envwrap VERB`'s, from the parser the
    backend builds for it (a verb that reads its arguments by hand: -h/--help)."""
    from envwrap.cli.argparsing import Captured, Parser

    want = {c.name: _parser_words(_gen.command_parser(c.name)) for c in t.COMMANDS if c.verb}
    for verb in t.PUBLIC_VERBS:
        Parser.capture = True
        try:
            t.handler(t.VERB_HANDLERS[verb])(["--help"])
            words = {"-h", "--help"}
        except Captured as got:
            words = _parser_words(got.parser)
        except SystemExit:
            words = {"-h", "--help"}
        finally:
            Parser.capture = False
        want[f"envwrap {verb}"] = words
    return want


def test_the_parsers_are_read_whole(capsys):
    want = _expected_options()
    capsys.readouterr()  # what the verbs without a parser printed for --help
    assert {"--json", "-h", "--help"} <= want["showvirtualenv"] and {"-f", "--force"} <= want["setvirtualenvproject"]
    assert "--tmp" not in want["rmvirtualenv"] and "-t" not in want["mkproject"]  # hidden stay hidden
    assert want["envwrap show"] == want["showvirtualenv"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_offers_exactly_the_options_of_each_parser(shell, user, capsys):
    """TAB after `COMMAND -` (and `envwrap VERB -`) in the real shell offers the
    options the command's parser defines, no more and no fewer."""
    want = _expected_options()
    capsys.readouterr()
    lines = []
    for key in want:
        words = key.split()
        if shell == "fish":
            line = shlex.quote(" ".join(words) + " -")
            lines.append(f"printf '%s\\0' {shlex.quote(key)} (complete -C {line} | string replace -r '\\t.*' '' "
                         "| string join ' ')")
        elif shell == "bash":
            lines.append(f"COMP_WORDS=({' '.join(words)} -); COMP_CWORD={len(words)}; COMPREPLY=(); "
                         f"$(complete -p {words[0]} | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p') {words[0]} - {words[-1]}; "
                         f"printf '%s\\0' {shlex.quote(key)} \"${{COMPREPLY[*]}}\"")
        else:  # the function compdef registered, with a stand-in compadd as tests/realshell.py has it
            lines.append(f"() {{ local -a words=({' '.join(words)} -); local CURRENT={len(words) + 1} PREFIX=-; "
                         "local -a __t_got; compadd() { [[ $1 == -a ]] && __t_got+=(\"${(@P)2}\"); }; "
                         f"${{_comps[{words[0]}]}}; unfunction compadd; "
                         f"printf '%s\\0' {shlex.quote(key)} \"${{__t_got[*]}}\" }}")
    out = _load(shell, user, "\n".join(lines)).split("\0")[:-1]
    offered = {key: set(words.split()) for key, words in zip(out[::2], out[1::2])}
    assert offered == want


def test_powershell_offers_the_options_of_each_parser():
    text = (_gen.SHELL_DIR / _gen.FILES["powershell"]).read_text(encoding="utf-8")
    block = _gen.blocks("powershell", text)["options"]
    table = block.split("$global:__envwrap_options = @{\n", 1)[1].split("\n}\n", 1)[0]
    offered = {key: set(re.findall(r"'([^']*)'", words))
               for key, words in re.findall(r"^    '([^']+)' = @\((.*)\)$", table, re.M)}
    assert offered == _expected_options()
    registered = re.search(r"^Register-ArgumentCompleter -Native -CommandName @\(([^)]*)\)", block, re.M)
    assert set(re.findall(r"'(\w+)'", registered.group(1))) == {c.name for c in t.COMMANDS if c.verb}
    # envwrap's own completer hands an option word of `envwrap VERB -` to the same table
    assert "__envwrap_complete_options envwrap ([string]$wordToComplete) $verb" in text


def test_an_optional_name_is_documented_in_help_and_in_the_readme(capsys):
    """A command whose NAME may be left out (the active env is the default) says
    so in its --help and shows [NAME] in the README's commands table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = {re.match(r"\| `(\w+)", line).group(1): re.split(r"(?<!\\)\|", line)[1] for line in section.splitlines()
            if re.match(r"\| `\w+", line)}
    optional = []
    for c in t.COMMANDS:
        if not c.verb:
            continue
        for action in _gen.command_parser(c.name)._actions:
            if action.dest == "name" and action.nargs == "?":
                optional.append(c.name)
                assert action.help, (c.name, "its NAME needs a help line")
                assert "[NAME" in rows[c.name], (c.name, rows[c.name])
    capsys.readouterr()
    assert {"showvirtualenv", "lssitepackages", "wipeenv"} <= set(optional)
