"""``make shells``: write the command and completion sections of the shell files.

    python -m envwrap._gen           rewrite the generated blocks of shell/envwrap.*
    python -m envwrap._gen --check   exit 1 (naming the files) if any is out of date

Each shell file keeps a few blocks between ``# BEGIN generated: WHAT`` and
``# END generated: WHAT`` lines; their text is made here from
:mod:`envwrap.commandtable` and nothing else, so the four shells define the same
commands and register the same completions; bash's and zsh's ``auto`` block
(auto-activation's search and decision) is one text, ``_POSIX_AUTO``, for both.
Everything outside the blocks is
hand-written: the helpers, and the commands whose body is the shell's own
(the table's ``custom`` rows). The generated text is committed, so loading a
shell file still runs no Python and no process; tests/test_table.py fails when
regenerating would change a file. A dev tool: nothing at run time imports it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from envwrap import commandtable as t
from envwrap import shells

SHELL_DIR = Path(__file__).resolve().parent.parent / "shell"
FILES = {shell: f"envwrap.{shells.get(shell).extension}" for shell in shells.SHELLS}

_NOTE = "made by `make shells` from envwrap/commandtable.py; edit the table, not this"
_AUTO_NOTE = "made by `make shells` from _POSIX_AUTO in envwrap/_gen.py, for bash and zsh; edit it there"


def _generated() -> list[t.Command]:
    return [c for c in t.COMMANDS if not c.custom]


def _with(completes: str) -> list[str]:
    return [c.name for c in t.COMMANDS if c.completes == completes]


def _name_verbs() -> list[str]:
    return [v for v in t.PUBLIC_VERBS if v in t.NAME_VERBS]


def _names_verbs() -> list[str]:
    return [v for v in t.PUBLIC_VERBS if v in t.NAMES_VERBS]


# ----------------------------------------------------------------- bash and zsh

def posix_commands(shell: str) -> str:
    """bash and zsh read the same definitions."""
    lines = [
        "# EVAL commands evaluate the code the backend prints; the others call the",
        "# backend verb named after the command (so that --help and messages name it):",
        "# envwrap's `showvirtualenv` is `envwrap show`, and so on.",
    ]
    for c in _generated():
        runner = "__envwrap_run" if c.kind == t.EVAL else "__envwrap_call"
        lines.append(f'{c.name}() {{ {runner} {c.name} "$@"; }}')
    return "\n".join(lines)


# TAB completion kind -> the completion function of shell/envwrap.{bash,zsh}.
POSIX_COMPLETERS = {
    t.NAMES: "__envwrap_complete_names",
    t.FIRST_NAME: "__envwrap_complete_first_name",
    t.NAME_THEN_FILES: "__envwrap_complete_name_then_files",
    t.SUBDIRS: "__envwrap_complete_subdirs",
    t.SITE_SUBDIRS: "__envwrap_complete_subdirs",
    t.VERBS: "__envwrap_complete_envwrap",
}


def _posix_verb_lists() -> list[str]:
    return [
        f"__envwrap_verbs=({' '.join(t.PUBLIC_VERBS)})",
        f"__envwrap_name_verbs=({' '.join(_name_verbs())})",
        f"__envwrap_names_verbs=({' '.join(_names_verbs())})",
    ]


def _posix_registrations() -> list[tuple[str, list[str]]]:
    """(completion function, its commands), one per function."""
    out: dict[str, list[str]] = {}
    for c in t.COMMANDS:
        function = POSIX_COMPLETERS.get(c.completes)
        if function:  # COMMAND and NOTHING: the shell's default
            out.setdefault(function, []).append(c.name)
    return list(out.items())


def bash_completion(shell: str = "bash") -> str:
    lines = [
        "# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb",
        "# takes one (first argument; every argument for rm and upgrade).",
        *_posix_verb_lists(),
    ]
    for function, names in _posix_registrations():
        # bash-only: a name first, then readline's own file names.
        default = "-o default " if function == POSIX_COMPLETERS[t.NAME_THEN_FILES] else ""
        lines.append(f"\\builtin complete {default}-F {function} {' '.join(names)}")
    return "\n".join(lines)


def zsh_completion(shell: str = "zsh") -> str:
    lines = [
        "# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb",
        "# takes one (first argument; every argument for rm and upgrade).",
        "typeset -ga __envwrap_verbs __envwrap_name_verbs __envwrap_names_verbs",
        *_posix_verb_lists(),
        "",
        "__envwrap_compdef() {",
    ]
    for function, names in _posix_registrations():
        lines.append(f"    compdef {function} {' '.join(names)}")
    lines.append("}")
    return "\n".join(lines)


# ----------------------------------------------------------------- fish

def _fish_word(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if any(ch in text for ch in '"$\\'):
        raise ValueError(f"cannot quote {text!r} for fish here")
    return f'"{text}"'


def fish_commands(shell: str = "fish") -> str:
    blocks = []
    for c in _generated():
        runner = "__envwrap_run" if c.kind == t.EVAL else "__envwrap_call"
        blocks.append(f"function {c.name} --description {_fish_word(c.summary)}\n"
                      f"    {runner} {c.name} $argv\nend")
    return "\n\n".join(blocks)


_FISH_FIRST = "'test (count (commandline -opc)) -eq 1'"
FISH_COMPLETERS = {
    t.NAMES: ["-f -a '(__envwrap_names)'"],
    t.FIRST_NAME: ["-f", f"-f -n {_FISH_FIRST} -a '(__envwrap_names)'"],
    t.NAME_THEN_FILES: [f"-n {_FISH_FIRST} -a '(__envwrap_names)'"],
    t.SUBDIRS: ["-f -a '(__envwrap_complete_subdirs)'"],
    t.SITE_SUBDIRS: ["-f -a '(__envwrap_complete_subdirs site)'"],
    t.VERBS: ["-f -n __fish_use_subcommand -a \"$__envwrap_verbs\"",
              "-f -n __envwrap_wants_name -a '(__envwrap_names)'"],
    t.COMMAND: ["-x -a '(__fish_complete_subcommand)'"],
    t.NOTHING: [],
}


def fish_completion(shell: str = "fish") -> str:
    lines = [
        "# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb",
        "# takes one (first argument; every argument for rm and upgrade).",
        f"set -g __envwrap_verbs {' '.join(t.PUBLIC_VERBS)}",
        f"set -g __envwrap_name_verbs {' '.join(_name_verbs())}",
        f"set -g __envwrap_names_verbs {' '.join(_names_verbs())}",
        "",
        "function __envwrap_register_completions --description 'Register the TAB completions of the envwrap commands'",
        "    # Erase first, so that loading envwrap twice registers everything once.",
        f"    for cmd in {' '.join(c.name for c in t.COMMANDS)}",
        "        complete -c $cmd -e",
        "    end",
    ]
    for c in t.COMMANDS:
        for spec in FISH_COMPLETERS[c.completes]:
            lines.append(f"    complete -c {c.name} {spec}")
    lines += ["    # Their options (hand-written: what each one takes is its parser's business).",
              "    __envwrap_register_options", "end"]
    return "\n".join(lines)


# ----------------------------------------------------------------- PowerShell

# Completion kind -> the parameter that carries the first argument, which
# Register-ArgumentCompleter completes.
PS_PARAMETERS = {t.NAMES: "EnvName", t.FIRST_NAME: "EnvName", t.NAME_THEN_FILES: "EnvName",
                 t.SUBDIRS: "SubDir", t.SITE_SUBDIRS: "SubDir"}


def ps_commands(shell: str = "powershell") -> str:
    blocks = []
    for c in _generated():
        runner = "__envwrap_run" if c.kind == t.EVAL else "__envwrap_call"
        parameter = PS_PARAMETERS.get(c.completes)
        if parameter is None:
            blocks.append(f"function global:{c.name} {{\n    {runner} {c.name} @args\n}}")
            continue
        blocks.append(
            f"function global:{c.name} {{\n"
            f"    param([string]${parameter})\n"
            "    $argv = @($args)\n"
            f"    if ($PSBoundParameters.ContainsKey('{parameter}')) {{\n"
            f"        $argv = @(${parameter}) + $argv\n"
            "    }\n"
            f"    {runner} {c.name} @argv\n"
            "}")
    return "\n\n".join(blocks)


def _ps_list(words) -> str:
    return "@(" + ", ".join(f"'{w}'" for w in words) + ")"


def _ps_register(parameter: str, names: list[str], call: str) -> str:
    return (f"Register-ArgumentCompleter -ParameterName {parameter} -CommandName {_ps_list(names)} -ScriptBlock {{\n"
            "    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)\n"
            f"    {call}\n"
            "}")


def ps_completion(shell: str = "powershell") -> str:
    names = [c.name for c in t.COMMANDS if PS_PARAMETERS.get(c.completes) == "EnvName"]
    parts = [
        _ps_register("EnvName", names, "__envwrap_complete_names $wordToComplete"),
        _ps_register("SubDir", _with(t.SUBDIRS), "__envwrap_complete_subdirs $wordToComplete"),
        _ps_register("SubDir", _with(t.SITE_SUBDIRS), "__envwrap_complete_subdirs $wordToComplete -Site"),
        "# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb\n"
        "# takes one (first argument; every argument for rm and upgrade).\n"
        f"$global:__envwrap_verbs = {_ps_list(t.PUBLIC_VERBS)}\n"
        f"$global:__envwrap_name_verbs = {_ps_list(_name_verbs())}\n"
        f"$global:__envwrap_names_verbs = {_ps_list(_names_verbs())}",
    ]
    return "\n\n".join(parts)


# Auto-activation's search and decision, one text for bash and zsh: zsh runs each
# function under its own options (@EMULATE@) and says which assignments are
# global (@GLOBAL@); bash needs neither.
_POSIX_AUTO = r'''# The nearest marker above $PWD: its directory into __envwrap_auto_r, the env
# it names into __envwrap_auto_t (both empty when there is none).
__envwrap_auto_find() {
@EMULATE@
    local __envwrap_d=$PWD __envwrap_l __envwrap_h
    __envwrap_auto_r='' __envwrap_auto_t=''
    while :; do
        if [[ -d $__envwrap_d/.venv ]]; then
            if [[ -f $__envwrap_d/.venv/pyvenv.cfg ]]; then
                __envwrap_auto_r=$__envwrap_d __envwrap_auto_t=$__envwrap_d/.venv
                \return 0
            fi
        elif [[ -f $__envwrap_d/.venv && -r $__envwrap_d/.venv ]]; then
            __envwrap_l=
            IFS= \builtin read -r __envwrap_l <"$__envwrap_d/.venv" || :
            # Trim surrounding blanks and a CR (PEP 832 asks readers to trim).
            __envwrap_l=${__envwrap_l%$'\r'}
            __envwrap_l=${__envwrap_l#"${__envwrap_l%%[![:space:]]*}"}
            __envwrap_l=${__envwrap_l%"${__envwrap_l##*[![:space:]]}"}
            case $__envwrap_l in
                ('') ;;
                (/*) __envwrap_auto_t=$__envwrap_l ;;
                (*/* | . | ..) __envwrap_auto_t=$__envwrap_d/$__envwrap_l ;;
                (*)
                    __envwrap_workon_home
                    [[ -n $__envwrap_h ]] && __envwrap_auto_t=$__envwrap_h/$__envwrap_l
                    ;;
            esac
            if [[ -n $__envwrap_auto_t ]]; then
                __envwrap_auto_r=$__envwrap_d
                \return 0
            fi
        fi
        [[ -n $__envwrap_d && $__envwrap_d != / ]] || \return 0
        __envwrap_d=${__envwrap_d%/*}
    done
}

# Whether $PWD is $1 or below it.
__envwrap_auto_in() {
@EMULATE@
    [[ -n $1 && ( $PWD == "$1" || $PWD == "$1"/* || $1 == / ) ]]
}

__envwrap_auto_check() {
@EMULATE@
    local __envwrap_auto_r __envwrap_auto_t
    # An env auto-activated and since deactivated or replaced by hand: a
    # deactivate is respected until the tree is left; another env is the user's.
    if [[ -n ${__envwrap_auto_env-} && ${VIRTUAL_ENV-} != "$__envwrap_auto_env" ]]; then
        [[ -z ${VIRTUAL_ENV-} ]] && __envwrap_auto_off=$__envwrap_auto_root
        __envwrap_auto_env='' __envwrap_auto_root=''
    fi
    __envwrap_auto_in "${__envwrap_auto_off-}" || __envwrap_auto_off=''
    __envwrap_auto_in "${__envwrap_auto_bad-}" || __envwrap_auto_bad=''
    __envwrap_auto_find
    # A deactivate typed since the last look (of the env active then, or of one
    # activated since: `workon proj; deactivate` on one line), with nothing
    # active now in a tree: respected until the tree is left, when it was typed
    # inside the tree or deactivated the tree's own env.
    local __envwrap_auto_d=${__envwrap_auto_act:-${__envwrap_auto_seen-}} __envwrap_auto_w=${__envwrap_auto_was-}
    if [[ -n $__envwrap_auto_r && -z ${VIRTUAL_ENV-} && -n $__envwrap_auto_d ]] &&
        [[ $__envwrap_auto_d == "$__envwrap_auto_t" || $__envwrap_auto_w == "$__envwrap_auto_r" ||
            $__envwrap_auto_w == "$__envwrap_auto_r"/* || $__envwrap_auto_r == / ]]; then
        @GLOBAL@__envwrap_auto_off=$__envwrap_auto_r
    fi
    if [[ -n ${__envwrap_auto_env-} ]]; then
        [[ $__envwrap_auto_t == "${__envwrap_auto_want-}" ]] && \return 0
        if [[ -z $__envwrap_auto_t || $__envwrap_auto_r == "${__envwrap_auto_off-}" ||
            $__envwrap_auto_r == "${__envwrap_auto_bad-}" ]]; then
            __envwrap_auto_env='' __envwrap_auto_root='' __envwrap_auto_want=''
            __envwrap_leave
            \return 0
        fi
    else
        # Nothing here, or an env the user activated (by hand, or this one already).
        [[ -n $__envwrap_auto_t && -z ${VIRTUAL_ENV-} ]] || \return 0
        [[ $__envwrap_auto_r != "${__envwrap_auto_off-}" && $__envwrap_auto_r != "${__envwrap_auto_bad-}" ]] ||
            \return 0
    fi
    # Status 3: the user neither made nor allowed this env (envwrap allow); said
    # once per directory in this shell (-q asks the backend to stay quiet).
    local __envwrap_q='' __envwrap_st=0
    [[ $'\n'${__envwrap_auto_told-}$'\n' == *$'\n'"$__envwrap_auto_r"$'\n'* ]] && __envwrap_q=-q
    __envwrap_run auto ${__envwrap_q:+"$__envwrap_q"} "$__envwrap_auto_r" "$__envwrap_auto_t" || __envwrap_st=$?
    if [[ $__envwrap_st == 0 && -n ${VIRTUAL_ENV-} ]]; then
        @GLOBAL@__envwrap_auto_env=$VIRTUAL_ENV __envwrap_auto_root=$__envwrap_auto_r \
            __envwrap_auto_want=$__envwrap_auto_t
    else
        [[ $__envwrap_st != 3 || -n $__envwrap_q ]] ||
            @GLOBAL@__envwrap_auto_told=${__envwrap_auto_told-}${__envwrap_auto_told:+$'\n'}$__envwrap_auto_r
        # One line was said; no retry until the tree is left. What was
        # auto-activated before belongs to a tree that was left: out with it.
        @GLOBAL@__envwrap_auto_bad=$__envwrap_auto_r
        if [[ -n ${__envwrap_auto_env-} ]]; then
            __envwrap_auto_env='' __envwrap_auto_root='' __envwrap_auto_want=''
            __envwrap_leave
        fi
    fi
    \return 0
}
'''


def posix_auto(shell: str) -> str:
    zsh = shell == "zsh"
    text = _POSIX_AUTO.replace("@EMULATE@\n", "    \\builtin emulate -L zsh\n" if zsh else "")
    return text.replace("@GLOBAL@", "typeset -g " if zsh else "").rstrip("\n")


# ----------------------------------------------------------------- files

BLOCKS = {
    "bash": {"commands": posix_commands, "completion": bash_completion, "auto": posix_auto},
    "zsh": {"commands": posix_commands, "completion": zsh_completion, "auto": posix_auto},
    "fish": {"commands": fish_commands, "completion": fish_completion},
    "powershell": {"commands": ps_commands, "completion": ps_completion},
}

_BLOCK = re.compile(r"^# BEGIN generated: (\w+)\n.*?^# END generated: \1\n", re.M | re.S)


def render(shell: str, text: str) -> str:
    """``text`` (a shell file) with each generated block made afresh."""
    makers = BLOCKS[shell]
    seen = []

    def block(match: re.Match) -> str:
        what = match.group(1)
        if what not in makers:
            raise ValueError(f"{FILES[shell]}: unknown generated block {what!r}")
        seen.append(what)
        note = _AUTO_NOTE if what == "auto" else _NOTE
        return f"# BEGIN generated: {what}\n# ({note})\n{makers[what](shell)}\n# END generated: {what}\n"

    out = _BLOCK.sub(block, text)
    if sorted(seen) != sorted(makers):
        raise ValueError(f"{FILES[shell]}: needs exactly one of each generated block {sorted(makers)}, has {seen}")
    return out


def blocks(shell: str, text: str) -> dict[str, str]:
    """The generated blocks' text in a shell file, by name."""
    return {m.group(1): m.group(0) for m in _BLOCK.finditer(text)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = argv == ["--check"]
    if argv and not check:
        print("usage: python -m envwrap._gen [--check]", file=sys.stderr)
        return 2
    stale = []
    for shell, name in FILES.items():
        path = SHELL_DIR / name
        text = path.read_text(encoding="utf-8")
        new = render(shell, text)
        if new != text:
            stale.append(str(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print("out of date (run make shells): " + " ".join(stale), file=sys.stderr)
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
