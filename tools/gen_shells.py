"""``make shells``: write the command and completion sections of the shell files.

    python -m tools.gen_shells           rewrite the generated blocks of envwrap/shells/*/envwrap.*
    python -m tools.gen_shells --check   exit 1 (naming the files) if any is out of date

Each shell file keeps a few blocks between ``# BEGIN generated: WHAT`` and
``# END generated: WHAT`` lines; their text is made here from
:mod:`envwrap.cli.table` and nothing else, so the four shells define the same
commands and register the same completions. What bash and zsh share is one
text for both: the ``runtime`` block (calling the backend with the settings of
:func:`call_settings`, hooks, WORKON_HOME, the deactivate wrapper, the commands
whose body is the shell's own) from ``_POSIX_RUNTIME``, and the ``auto`` block
(auto-activation) from ``_POSIX_AUTO``, their differences marked line by line
(see :func:`posix_text`). fish's ``call`` and ``vf`` blocks come from
:func:`call_settings` and ``VF_ALIASES``. Everything outside the blocks is
hand-written: what differs between the shells (envwrap/shells/protocol.py lists
every function a hook file defines). The generated text is committed, so loading a
shell file still runs no Python and no process; tests/shells/test_table.py fails when
regenerating would change a file. A dev tool: nothing at run time imports it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from envwrap import shells
from envwrap.cli import table as t

# Each shell's hook file, relative to envwrap/shells/ (its class knows where).
SHELL_DIR = Path(shells.__file__).resolve().parent
FILES = {shell: Path(shells.get(shell).hook_file()).relative_to(SHELL_DIR).as_posix() for shell in shells.SHELLS}

# Files that are another shell's file word for word, so that each shell's folder
# holds all its files and nobody keeps two copies by hand: copy -> its source,
# relative to envwrap/shells/. zsh reads bash's activate script.
COPIES = {"zsh/activate.sh": "bash/activate.sh"}

_NOTE = "made by `make shells` from envwrap/cli/table.py; edit the table, not this"
_OPTIONS_NOTE = "made by `make shells` from the backend's own parsers, see tools/gen_shells.py; edit those"
_RUNTIME_NOTE = "made by `make shells` from _POSIX_RUNTIME in tools/gen_shells.py, for bash and zsh; edit it there"
_CALL_NOTE = "made by `make shells` from tools/gen_shells.py and the settings the backend reads; edit those"
_VF_NOTE = "made by `make shells` from VF_ROWS in envwrap/cli/table.py; edit it there"
_AUTO_NOTE = "made by `make shells` from _POSIX_AUTO in tools/gen_shells.py, for bash and zsh; edit it there"


def _generated() -> list[t.Command]:
    return [c for c in t.COMMANDS if not c.custom]


def _with(completes: str) -> list[str]:
    return [c.name for c in t.COMMANDS if c.completes == completes]


def _name_verbs() -> list[str]:
    return [v for v in t.PUBLIC_VERBS if v in t.NAME_VERBS]


def _names_verbs() -> list[str]:
    return [v for v in t.PUBLIC_VERBS if v in t.NAMES_VERBS]


# ----------------------------------------------------------------- options, from the backend's parsers
# Every command's options, for TAB in every shell, come from the parser the
# command builds in the backend: it is run with --help while Parser.capture is
# on, which hands the parser over instead of parsing (nothing else runs).

class Option:
    """One option of a command, as its parser defines it."""

    __slots__ = ("shorts", "longs", "takes", "choices", "help")

    def __init__(self, shorts, longs, takes, choices, help):
        self.shorts = shorts      # ["-p"]
        self.longs = longs        # ["--python"]
        self.takes = takes        # "" (a flag), PATH (a path) or TEXT (anything else)
        self.choices = choices    # the values it accepts, when the parser lists them
        self.help = help          # a short description

    @property
    def words(self) -> list[str]:
        return self.shorts + self.longs


PATH = "path"
TEXT = "text"
# Values that are paths (a project directory, a file, an interpreter's path).
_PATH_VALUES = {"FILE", "DIR", "PROJECT", "PYTHON"}


def _parser(call):
    import contextlib
    import io

    from envwrap.cli.argparsing import Captured, Parser

    Parser.capture = True
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            call()
    except Captured as got:
        return got.parser
    finally:
        Parser.capture = False
    return None


def _short_help(text: str | None) -> str:
    text = (text or "").split(" (", 1)[0].split("; ", 1)[0].strip()
    return text.rstrip(".")


def parser_options(parser) -> list[Option]:
    import argparse

    found = []
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        shorts = [o for o in action.option_strings if not o.startswith("--")]
        longs = [o for o in action.option_strings if o.startswith("--")]
        takes = ""
        if action.nargs != 0:
            metavar = action.metavar or action.dest.upper()
            takes = PATH if metavar in _PATH_VALUES else TEXT
        help = "show help" if isinstance(action, argparse._HelpAction) else _short_help(action.help)
        found.append(Option(shorts, longs, takes, list(action.choices or ()), help))
    return found


def command_parser(name: str):
    """The parser of a user command (a name of table.COMMANDS)."""
    c = t.BY_NAME[name]
    if c.kind in (t.EVAL, t.SHELL):
        parser = _parser(lambda: t.handler(t.PLAN_HANDLERS[c.verb])(shells.get("bash"), ["--help"]))
    else:
        def call():
            if c.name in t.COMMAND_VERBS:  # as dispatch calls it for its shell command
                t.handler(t.VERB_HANDLERS[c.verb])(["--help"], prog=c.name)
            else:
                t.handler(t.VERB_HANDLERS[c.verb])(["--help"])
        parser = _parser(call)
    if parser is None:
        raise ValueError(f"{name} --help built no parser: its options cannot be read")
    return parser


def command_options(name: str) -> list[Option]:
    """The options of a user command, as its parser defines them."""
    return parser_options(command_parser(name))


def verb_options(verb: str) -> list[Option]:
    """The options of ``envwrap VERB``; a verb that reads its arguments without a
    parser (run, vars, ...) has only -h/--help."""
    parser = _parser(lambda: t.handler(t.VERB_HANDLERS[verb])(["--help"]))
    if parser is None:
        return [Option(["-h"], ["--help"], "", [], "show help")]
    return parser_options(parser)


def _option_commands() -> list[t.Command]:
    """The commands whose options TAB completes: every one but envwrap itself
    (whose options are its verbs')."""
    return [c for c in t.COMMANDS if c.verb]


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


# TAB completion kind -> the completion function of envwrap.{bash,zsh}.
POSIX_COMPLETERS = {
    t.NAMES: "__envwrap_complete_names",
    t.FIRST_NAME: "__envwrap_complete_first_name",
    t.NAME_THEN_FILES: "__envwrap_complete_name_then_files",
    t.SUBDIRS: "__envwrap_complete_subdirs",
    t.SITE_SUBDIRS: "__envwrap_complete_subdirs",
    t.VERBS: "__envwrap_complete_envwrap",
    t.PYTHON: "__envwrap_complete_python",
}


def _posix_verb_lists() -> list[str]:
    return [
        f"__envwrap_verbs=({' '.join(t.PUBLIC_VERBS)})",
        f"__envwrap_name_verbs=({' '.join(_name_verbs())})",
        f"__envwrap_names_verbs=({' '.join(_names_verbs())})",
    ]


def _posix_dispatch() -> list[tuple[str, list[str]]]:
    """(completion function, its commands), one per function."""
    out: dict[str, list[str]] = {}
    for c in t.COMMANDS:
        function = POSIX_COMPLETERS.get(c.completes)
        if function:  # COMMAND and NOTHING: the shell's default
            out.setdefault(function, []).append(c.name)
    return list(out.items())


# Commands whose other arguments fall back to the shell's file names (bash's
# -o default, zsh's _default): a name then a directory, no table completer, and
# anywhere but after -p for the commands that take -p.
_POSIX_DEFAULT = (t.NAME_THEN_FILES, t.NOTHING, t.COMMAND, t.PYTHON)


def posix_options(shell: str) -> str:
    """bash and zsh read the same list: each command's option words, and those
    of each envwrap VERB as 'envwrap VERB'."""
    lines = [
        "# Every command's options, read from the parser the command builds in the",
        "# backend, into the array __envwrap_o for __envwrap_complete.",
        "__envwrap_options() {",
        "    case $1 in",
    ]
    rows = [(c.name, command_options(c.name)) for c in _option_commands()]
    rows += [(f"envwrap {verb}", verb_options(verb)) for verb in t.PUBLIC_VERBS]
    for key, options in rows:
        words = " ".join(w for o in options for w in o.words)
        pattern = f"'{key}'" if " " in key else key
        lines.append(f"        ({pattern}) __envwrap_o=({words}) ;;")
    lines += ["        (*) __envwrap_o=() ;;", "    esac", "}"]
    return "\n".join(lines)


def _posix_case(shell: str) -> list[str]:
    """The dispatcher's case: each command's completer for a word that is no option."""
    lines = ["    case ${COMP_WORDS[0]-} in" if shell == "bash" else "    case ${words[1]-} in"]
    for function, names in _posix_dispatch():
        lines.append(f"        ({'|'.join(names)}) {function} ;;")
    lines.append("        (*) COMPREPLY=() ;;" if shell == "bash" else "        (*) _default ;;")
    lines.append("    esac")
    return lines


def bash_completion(shell: str = "bash") -> str:
    lines = [
        "# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb",
        "# takes one (first argument; every argument for rm and upgrade).",
        *_posix_verb_lists(),
        "",
        "# TAB: a word that starts with '-' gets the command's options (those of VERB",
        "# after envwrap VERB; allvirtualenv's before its command only); any other word",
        "# the command's own completer.",
        "__envwrap_complete() {",
        '    local __envwrap_cur="${COMP_WORDS[COMP_CWORD]-}" __envwrap_w',
        "    local -a __envwrap_o=()",
        '    if [[ $__envwrap_cur == -* ]]; then',
        "        case ${COMP_WORDS[0]-} in",
        '            (envwrap) [ "${COMP_CWORD-0}" -lt 2 ] || __envwrap_options "envwrap ${COMP_WORDS[1]-}" ;;',
        '            (allvirtualenv) [ "${COMP_CWORD-0}" -ne 1 ] || __envwrap_options allvirtualenv ;;',
        '            (*) __envwrap_options "${COMP_WORDS[0]-}" ;;',
        "        esac",
        "        COMPREPLY=()",
        '        for __envwrap_w in "${__envwrap_o[@]}"; do',
        '            [[ $__envwrap_w == "$__envwrap_cur"* ]] && COMPREPLY+=("$__envwrap_w")',
        "        done",
        "        \\return 0",
        "    fi",
        *_posix_case("bash"),
        "}",
    ]
    plain = [c.name for c in t.COMMANDS if c.completes not in _POSIX_DEFAULT]
    default = [c.name for c in t.COMMANDS if c.completes in _POSIX_DEFAULT]
    lines.append(f"\\builtin complete -F __envwrap_complete {' '.join(plain)}")
    # and readline's own file names where __envwrap_complete offers nothing
    lines.append(f"\\builtin complete -o default -F __envwrap_complete {' '.join(default)}")
    return "\n".join(lines)


def zsh_completion(shell: str = "zsh") -> str:
    lines = [
        "# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb",
        "# takes one (first argument; every argument for rm and upgrade).",
        "typeset -ga __envwrap_verbs __envwrap_name_verbs __envwrap_names_verbs",
        *_posix_verb_lists(),
        "",
        "# TAB: a word that starts with '-' gets the command's options (those of VERB",
        "# after envwrap VERB; allvirtualenv's before its command only); any other word",
        "# the command's own completer.",
        "__envwrap_complete() {",
        "    \\builtin emulate -L zsh",
        "    local -a __envwrap_o",
        "    if [[ $PREFIX == -* ]]; then",
        "        case ${words[1]-} in",
        '            (envwrap) (( CURRENT < 3 )) || __envwrap_options "envwrap ${words[2]-}" ;;',
        "            (allvirtualenv) (( CURRENT != 2 )) || __envwrap_options allvirtualenv ;;",
        '            (*) __envwrap_options "${words[1]-}" ;;',
        "        esac",
        "        compadd -a __envwrap_o",
        "        \\return",
        "    fi",
        *_posix_case("zsh"),
        "}",
        "",
        "__envwrap_compdef() {",
        f"    compdef __envwrap_complete {' '.join(c.name for c in t.COMMANDS)}",
        "}",
    ]
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


def fish_call(shell: str = "fish") -> str:
    """__envwrap_call, which passes the settings of call_settings()."""
    settings = "".join(f'        {name}="${name}" \\\n' for name in call_settings())
    return (
        "function __envwrap_call --description 'Run the envwrap backend with the settings of this shell'\n"
        "    set -l exe $__envwrap_exe\n"
        '    if test -z "$exe[1]"\n'
        "        set exe (command -s envwrap)\n"
        "        or begin\n"
        "            echo 'envwrap: cannot find the envwrap command; install envwrap or reload it with "
        "`envwrap init fish | source`' >&2\n"
        "            return 127\n"
        "        end\n"
        "    end\n"
        + settings.replace("        ", "    ", 1)
        + '        ENVWRAP_SHELL_PID="$fish_pid" \\\n'
        '        ENVWRAP_LOADS="$__envwrap_loads" \\\n'
        "        ENVWRAP_SORT=fish \\\n"
        "        $exe $argv\n"
        "end"
    )


# fish's vf subcommands that are another command under virtualfish's name, from
# the vf table (cli.table.VF_ROWS): (subcommand, what `vf help` says, the fish
# command line it runs). The others, with virtualfish's own behaviour (events,
# statuses), are hand-written in the file; vf itself (its dispatch), `vf help`
# and vf's TAB are made here from every row.
VF_ALIASES = tuple((sub, summary, body) for sub, _, summary, body in t.VF_ROWS if body)

# vf's subcommands whose arguments TAB completes as environment names.
VF_TAKES_NAMES = ("activate", "rm", "connect", "upgrade", "workon")

# virtualfish's own installation commands, which envwrap needs none of: what
# takes their place, and the status (install asks for a state that already
# holds: 0; the others change nothing: 1).
VF_SETUP = (
    ("install", 0, "not needed: vf is part of envwrap, loaded by `envwrap init fish | source` in config.fish"),
    ("uninstall", 1, "not needed: remove the `envwrap init fish | source` line from config.fish "
                     "(then pipx uninstall envwrap, or pip uninstall envwrap)"),
    ("addplugins rmplugins", 1,
     "not needed: every plugin is built in (compat_aliases: workon, mkvirtualenv, ...; projects: vf project, "
     "vf workon, vf lsprojects; update_python: vf upgrade; environment: envwrap vars; global_requirements: "
     "a postmkvirtualenv hook); auto_activation is envwrap config auto_activate true (false to turn it off)"),
)


def _vf_dispatch() -> str:
    subs = " ".join(sub for sub, *_ in t.VF_ROWS)
    lines = [
        "function vf --description 'virtualfish commands, answered by envwrap (vf help lists them)'",
        "    switch \"$argv[1]\"",
        "        case '' -h --help",
        "            __envwrap_vf_help",
    ]
    for subs_, status, message in VF_SETUP:
        lines += [f"        case {subs_}",
                  f"            printf '%s\\n' \"envwrap: vf $argv[1]: \"{_fish_quote(message)} >&2",
                  f"            return {status}"]
    lines += [
        f"        case {subs}",
        "            # The backend's hints then name vf commands (vf ls, vf activate), not",
        "            # virtualenvwrapper's; exported to the backend only (a local of this call).",
        "            set -lx ENVWRAP_AS vf",
        "            __envwrap_vf_$argv[1] $argv[2..-1]",
        "        case '*'",
        "            printf 'envwrap: vf: unknown command %s (vf help lists them)\\n' (string escape -- \"$argv[1]\") >&2",
        "            return 2",
        "    end",
        "end",
    ]
    return "\n".join(lines)


def _vf_help() -> str:
    rows = sorted((sub, summary) for sub, _, summary, _ in t.VF_ROWS)
    lines = [
        "function __envwrap_vf_help --description " + _fish_word(dict(rows)["help"]),
        "    if not set -q argv[1]",
        "        echo 'Usage: vf <command> [<args>]   (virtualfish commands, run by envwrap)'",
        "        echo",
    ]
    lines += [f"        echo {_fish_quote(f'    {sub:<15} {summary}')}" for sub, summary in rows]
    lines += ["        return 0", "    end", "    switch $argv[1]"]
    for sub, summary in rows:
        lines += [f"        case {sub}", f"            echo {_fish_quote(f'vf {sub}: {summary}')}"]
    lines += [
        "        case '*'",
        "            printf 'envwrap: vf help: unknown command %s\\n' (string escape -- \"$argv[1]\") >&2",
        "            return 2",
        "    end",
        "end",
    ]
    return "\n".join(lines)


def _vf_completions() -> str:
    lines = ["function __envwrap_vf_register_completions --description 'Register TAB completion for vf'",
             "    complete -c vf -f"]
    for sub, _, summary, _ in sorted(t.VF_ROWS):
        lines.append(f"    complete -c vf -n __fish_use_subcommand -a {sub} -d {_fish_quote(summary)}")
    lines += [f"    complete -c vf -n '__fish_seen_subcommand_from {' '.join(VF_TAKES_NAMES)}' -a '(__envwrap_names)'",
              "end"]
    return "\n".join(lines)


def fish_vf(shell: str = "fish") -> str:
    aliases = [f"function __envwrap_vf_{name} --description {_fish_word(about)}\n    {body}\nend"
               for name, about, body in VF_ALIASES]
    return "\n\n".join([_vf_dispatch(), _vf_help(), *aliases, _vf_completions()])


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
    t.PYTHON: ["-s p -l python -r -a '(__envwrap_python_versions)'"],
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
    lines += ["    # Their options (the options block, from the backend's parsers).",
              "    __envwrap_register_options", "end"]
    return "\n".join(lines)


def _fish_quote(text: str) -> str:
    """fish's single quotes: only \\ and ' are special inside them."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(command: str, o: Option, condition: str = "") -> str:
    words = [f"complete -c {command}"]
    if condition:
        words.append(f"-n {_fish_quote(condition)}")
    words += [f"-s {w[1:]}" for w in o.shorts]
    words += [f"-l {w[2:]}" for w in o.longs]
    if o.takes == PATH:
        words.append("-r -F")
    elif o.choices:
        words.append(f"-x -a {_fish_quote(' '.join(o.choices))}")
    elif o.takes:
        words.append("-x")
    words.append(f"-d {_fish_quote(o.help)}")
    return " ".join(words)


def _takes_paths(name: str) -> bool:
    """Whether a command's arguments (not its options) may be paths: the
    metavar of one of its positionals says so."""
    return any(not a.option_strings and (a.metavar or a.dest.upper()) in _PATH_VALUES
               for a in command_parser(name)._actions)


def fish_options(shell: str = "fish") -> str:
    lines = [
        "# Every command's options, read from the parser the command builds in the",
        "# backend (a command whose arguments are no paths completes no file names).",
        "function __envwrap_verb_is --description 'Whether TAB is after envwrap VERB'",
        "    set -l words (commandline -opc)",
        '    test "$words[2]" = "$argv[1]"',
        "end",
        "",
        "function __envwrap_register_options --description "
        "'Register the TAB completions of the options of the envwrap commands'",
    ]
    for c in _option_commands():
        if c.completes == t.NOTHING and not _takes_paths(c.name):
            lines.append(f"    complete -c {c.name} -f")
        # allvirtualenv CMD ARGS...: past CMD, the options are CMD's.
        first = _FISH_FIRST[1:-1] if c.completes == t.COMMAND else ""
        for o in command_options(c.name):
            lines.append("    " + _fish_option(c.name, o, first))
    for verb in t.PUBLIC_VERBS:
        for o in verb_options(verb):
            lines.append("    " + _fish_option("envwrap", o, f"__envwrap_verb_is {verb}"))
    lines.append("end")
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
        # -p VERSION: these functions declare no parameter (PowerShell would bind a
        # declared one to their first argument), so the completer is a native one,
        # which sees the whole line.
        f"Register-ArgumentCompleter -Native -CommandName {_ps_list(_with(t.PYTHON))} -ScriptBlock {{\n"
        "    param($wordToComplete, $commandAst, $cursorPosition)\n"
        "    __envwrap_complete_python $wordToComplete $commandAst $cursorPosition\n"
        "}",
        "# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb\n"
        "# takes one (first argument; every argument for rm and upgrade).\n"
        f"$global:__envwrap_verbs = {_ps_list(t.PUBLIC_VERBS)}\n"
        f"$global:__envwrap_name_verbs = {_ps_list(_name_verbs())}\n"
        f"$global:__envwrap_names_verbs = {_ps_list(_names_verbs())}",
    ]
    return "\n\n".join(parts)


# What PowerShell's __envwrap_call adds to the environment the backend inherits
# (the user's settings are environment variables there, passed as they are):
# variable -> PowerShell expression. ENVWRAP_SORT is the shell's listing order.
def _ps_call_variables(shell: str) -> dict[str, str]:
    return {"ENVWRAP_LOADS": "[string]$global:__envwrap_loads",
            "ENVWRAP_SORT": f"'{shells.get(shell).listing_order}'",
            "ENVWRAP_SHELL_PID": "[string]$PID",
            "PYTHONIOENCODING": "'utf-8'"}


def ps_call(shell: str = "powershell") -> str:
    """__envwrap_call: each variable of _ps_call_variables set for the call and
    put back after it, and the backend's output read as UTF-8."""
    variables = _ps_call_variables(shell)
    old = {name: f"$old_{name}" for name in variables}
    return "\n".join([
        "function global:__envwrap_call {",
        "    Set-StrictMode -Off",
        "    $PSNativeCommandUseErrorActionPreference = $false",
        "    $exe = $global:__envwrap_exe",
        "    if (-not $exe) {",
        "        $found = Get-Command -Name envwrap -CommandType Application -ErrorAction SilentlyContinue |",
        "            Select-Object -First 1",
        "        if ($null -eq $found) {",
        "            $Host.UI.WriteErrorLine('envwrap: cannot find the envwrap command; install envwrap and load it again')",
        "            $global:LASTEXITCODE = 127",
        "            return",
        "        }",
        "        $exe = $found.Path",
        "    }",
        *(f"    {old[name]} = [Environment]::GetEnvironmentVariable('{name}')" for name in variables),
        "    $oldEncoding = $null",
        "    try {",
        "        $oldEncoding = [Console]::OutputEncoding",
        "        [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding -ArgumentList $false",
        "    } catch {",
        "        $oldEncoding = $null",
        "    }",
        "    try {",
        *(f"        $env:{name} = {value}" for name, value in variables.items()),
        "        & $exe @args",
        "    } finally {",
        *(f"        $env:{name} = {old[name]}" for name in variables),
        "        if ($null -ne $oldEncoding) {",
        "            try {",
        "                [Console]::OutputEncoding = $oldEncoding",
        "            } catch {",
        "            }",
        "        }",
        "    }",
        "}",
    ])


def ps_options(shell: str = "powershell") -> str:
    """Each command's options, and a completer that offers them for a word that
    starts with '-' (the words PowerShell's own parameter binding leaves alone:
    these functions declare at most one parameter)."""
    rows = [(c.name, command_options(c.name)) for c in _option_commands()]
    rows += [(f"envwrap {verb}", verb_options(verb)) for verb in t.PUBLIC_VERBS]
    table = "\n".join(f"    '{key}' = {_ps_list(w for o in options for w in o.words)}" for key, options in rows)
    names = [c.name for c in _option_commands()]
    return (
        "# Every command's options, read from the parser the command builds in the\n"
        "# backend; 'envwrap VERB' holds those of envwrap VERB.\n"
        f"$global:__envwrap_options = @{{\n{table}\n}}\n"
        "\n"
        "# The options of COMMAND (of envwrap VERB with -Verb) that start with what was typed.\n"
        "function global:__envwrap_complete_options {\n"
        "    param([string]$Command, [string]$Typed, [string]$Verb)\n"
        "    Set-StrictMode -Off\n"
        "    $key = $Command\n"
        "    if ($Verb) {\n"
        "        $key = $Command + ' ' + $Verb\n"
        "    }\n"
        "    foreach ($word in @($global:__envwrap_options[$key])) {\n"
        "        if ($word -and $word.StartsWith($Typed, [StringComparison]::Ordinal)) {\n"
        "            [System.Management.Automation.CompletionResult]::new($word, $word, 'ParameterName', $word)\n"
        "        }\n"
        "    }\n"
        "}\n"
        "\n"
        "# TAB on a word that starts with '-': the command's options (allvirtualenv's\n"
        "# before its command only). Other words keep their completers (EnvName, SubDir,\n"
        "# file names).\n"
        f"Register-ArgumentCompleter -Native -CommandName {_ps_list(names)} -ScriptBlock {{\n"
        "    param($wordToComplete, $commandAst, $cursorPosition)\n"
        "    $typed = [string]$wordToComplete\n"
        "    if (-not $typed.StartsWith('-')) {\n"
        "        return\n"
        "    }\n"
        "    $command = [string]$commandAst.GetCommandName()\n"
        "    $before = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition })\n"
        "    if ($command -eq 'allvirtualenv' -and $before.Count -gt 1) {\n"
        "        return\n"
        "    }\n"
        "    __envwrap_complete_options $command $typed\n"
        "}"
    )


def call_settings() -> tuple[str, ...]:
    """The user's settings every shell's __envwrap_call passes to the backend
    (its environment variables, empty when unset in the shell), from the
    settings table (envwrap.core.settings.SETTINGS)."""
    from envwrap.core.settings import call_variables

    return call_variables()


# bash and zsh read one text for what they share (the templates below). What
# differs is marked, line by line: a line that starts with @bash@ or @zsh@ is
# that shell's only; @EMULATE@ (a line of its own) is zsh's `emulate -L zsh`,
# which makes each function immune to the user's options; @GLOBAL@ is zsh's
# `typeset -g ` before an assignment that must reach the global; @SHELL@ is the
# shell's name; @SETTINGS@ (a line of its own) is one NAME="${NAME-}" line per
# setting of call_settings().
_SHELL_LINE = re.compile(r"^@(bash|zsh)@")


def posix_text(template: str, shell: str) -> str:
    zsh = shell == "zsh"
    out = []
    for line in template.split("\n"):
        only = _SHELL_LINE.match(line)
        if only:
            if only.group(1) != shell:
                continue
            line = line[only.end():]
        if line.strip() == "@EMULATE@":
            if zsh:
                out.append(line.replace("@EMULATE@", "    \\builtin emulate -L zsh"))
            continue
        if line.strip() == "@SETTINGS@":
            out += [f'    {name}="${{{name}-}}" \\' for name in call_settings()]
            continue
        out.append(line.replace("@GLOBAL@", "typeset -g " if zsh else "").replace("@SHELL@", shell))
    return "\n".join(out).strip("\n")


# The runtime both shells share: calling the backend, hooks, WORKON_HOME, the
# deactivate wrapper, and the commands whose body is the shell's own.
_POSIX_RUNTIME = r'''@GLOBAL@__envwrap_loads=$(( ${__envwrap_loads:-0} + 1 ))

# Run the backend with the user's settings, exported or not: a variable changed in
# this shell takes effect at the next command. Unset and empty mean the same.
__envwrap_call() {
@SETTINGS@
    ENVWRAP_SHELL_PID="$$" \
    ENVWRAP_LOADS="${__envwrap_loads-}" \
@zsh@    ENVWRAP_ZSH_COMPDEF="${${(M)options[interactive]:#on}:+${+functions[compdef]}}" \
@zsh@    ENVWRAP_ZDOTDIR="${ZDOTDIR-}" \
    "${__envwrap_exe[@]:-envwrap}" "$@"
}

# Ask the backend for shell code and evaluate it, only on success.
__envwrap_run() {
@EMULATE@
    local __envwrap_code
    __envwrap_code="$(__envwrap_call sh @SHELL@ "$@")" || \return $?
    \builtin eval "$__envwrap_code"
}

# Source a hook file. Its status is its own business (a last line such as
# `[ -f .env ] && . .env` returns 1), as in virtualenvwrapper; only a hook that
# cannot be read is reported. The shell reports a syntax error in it by itself.
# (In `|| :`, a failing line in it cannot end a shell that runs under `set -e`;
# bash's `\.`, not `\builtin .`: bash 5.2 loses its function context when a file
# sourced by `builtin .` fails under -e, "pop_var_context: head of shell_variables".)
# A hook the backend refused at activation (__envwrap_hooks_refused: lines of
# FILE<TAB>MESSAGE; others can write it) is not sourced: its line is said instead.
__envwrap_source() {
    local __envwrap_m
    if [[ ${__envwrap_hooks_refused-} == *$'\n'"$1"$'\t'* ]]; then
        __envwrap_m=${__envwrap_hooks_refused#*$'\n'"$1"$'\t'}
        \builtin printf '%s\n' "${__envwrap_m%%$'\n'*}" >&2
    elif [[ -r $1 ]]; then
@bash@        \. "$1" || :
@zsh@        \builtin . "$1" || :
    else
        \builtin printf 'envwrap: hook %s cannot be read; skipped\n' "$1" >&2
    fi
    \return 0
}

# The backend's answer for the WORKON_HOME used when the user sets none: $1 the
# directory, $2 where it comes from (config or default).
__envwrap_set_home() {
    @GLOBAL@__envwrap_home="$1" __envwrap_home_src="$2"
    __envwrap_export_home
}

# Export WORKON_HOME when it comes from the config file or the default, so that
# programs started from this shell (editors) find the environments; never when
# the user set it. ENVWRAP_EXPORTED_HOME marks the value as envwrap's own.
__envwrap_export_home() {
@EMULATE@
    if [[ -n ${__envwrap_home-} && -z ${VIRTUALFISH_HOME-} &&
        ( -z ${WORKON_HOME-} || $WORKON_HOME == "${ENVWRAP_EXPORTED_HOME-}" ) ]]; then
        \builtin export WORKON_HOME="$__envwrap_home" ENVWRAP_EXPORTED_HOME="$__envwrap_home"
    fi
}

# The environments' directory into __envwrap_h, as the backend resolves it (no
# process): the user's WORKON_HOME (a relative one below $HOME); else the
# backend's answer (the config file's, or the default ~/.virtualenvs).
__envwrap_workon_home() {
@EMULATE@
    __envwrap_h=
    if [[ -n ${WORKON_HOME-} && $WORKON_HOME != "${ENVWRAP_EXPORTED_HOME-}" ]]; then
        __envwrap_h=$WORKON_HOME
    elif [[ -n ${VIRTUALFISH_HOME-} ]]; then
        __envwrap_h=$VIRTUALFISH_HOME  # virtualfish's setting, used when WORKON_HOME is not set
    fi
    if [[ -n $__envwrap_h ]]; then
        case $__envwrap_h in
            (\~) __envwrap_h=${HOME-} ;;
            (\~/*) __envwrap_h=${HOME-}/${__envwrap_h#\~/} ;;
            (/*) ;;
            (*) __envwrap_h=${HOME-}/$__envwrap_h ;;
        esac
        \return 0
    fi
    __envwrap_h=${__envwrap_home-}
    \return 0
}

# Whether the environments' directory may be listed; says why not on stderr. One
# that does not exist is created (by the backend, which says so: one process,
# only then), as virtualenvwrapper's commands do; one that is a file is an error.
__envwrap_home_ok() {
@EMULATE@
    local __envwrap_h
    __envwrap_workon_home
    if [[ -z $__envwrap_h || -d $__envwrap_h ]]; then
        \return 0
    elif [[ -e $__envwrap_h || -L $__envwrap_h ]]; then
        \builtin printf 'envwrap: WORKON_HOME %s is not a directory\n' "$__envwrap_h" >&2
        \return 1
    fi
    __envwrap_call ls >/dev/null
}
__envwrap_export_home

# Environment names, one per line (lsvirtualenv -b, workon with no name).
__envwrap_list() {
@EMULATE@
    __envwrap_home_ok || \return
    __envwrap_scan
    (( ${#__envwrap_found[@]} == 0 )) || \builtin printf '%s\n' "${__envwrap_found[@]}"
}

# Deactivate the environment that envwrap activated, if one is active.
__envwrap_leave() {
@bash@    if [[ -n ${__envwrap_venv-} ]] && \builtin declare -F deactivate >/dev/null; then
@zsh@    if [[ -n ${__envwrap_venv-} ]] && (( ${+functions[deactivate]} )); then
        deactivate
    fi
}

# deactivate, with virtualenvwrapper's hooks: predeactivate (the env's, then the
# global one, then the project's), the env's own deactivate, postdeactivate (the
# env's, then the global one) with VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV (the name
# virtualenvwrapper's code sets) and VIRTUALENVWRAPPER_LAST_VIRTUALENV (the name
# its documentation gives) set to the env's path; both are unset afterwards.
# [[ ]] rather than [ ]: a keyword, not a command, which matters on this path.
__envwrap_deactivate() {
    local __envwrap_env="${__envwrap_venv-}" __envwrap_b="${__envwrap_venv_bin:-${__envwrap_venv-}/bin}" __envwrap_st=0
    local __envwrap_hd="${VIRTUALENVWRAPPER_HOOK_DIR:-${__envwrap_hook_dir-}}"
    # A relative hook directory is below $HOME, as the backend reads it.
    case $__envwrap_hd in
        (/* | '') ;;
        (\~ | \~/*) __envwrap_hd=${HOME-}${__envwrap_hd#\~} ;;
        (*) __envwrap_hd=${HOME-}/$__envwrap_hd ;;
    esac
    [[ -f $__envwrap_b/predeactivate ]] && __envwrap_source "$__envwrap_b/predeactivate"
    [[ -n $__envwrap_hd && -f $__envwrap_hd/predeactivate ]] && __envwrap_source "$__envwrap_hd/predeactivate"
    [[ -n ${__envwrap_project-} && -f $__envwrap_project/.virtualenvwrapper/predeactivate ]] &&
        __envwrap_source "$__envwrap_project/.virtualenvwrapper/predeactivate"
    __envwrap_venv_deactivate "$@" || __envwrap_st=$?
@bash@    [[ -z ${__envwrap_vars[0]+x} ]] || __envwrap_vars_restore
@zsh@    (( ! ${+__envwrap_vars} )) || __envwrap_vars_restore
    if [[ ${1-} == nondestructive ]]; then
        \return "$__envwrap_st"
    fi
@bash@    \builtin unset -f deactivate __envwrap_venv_deactivate
@zsh@    # The env's own deactivate has already removed itself: unfunction fails for
@zsh@    # it, and under errexit or err_return that status must not end the shell.
@zsh@    \builtin unfunction deactivate __envwrap_venv_deactivate 2>/dev/null || :
    \builtin unset __envwrap_venv __envwrap_hook_dir __envwrap_project __envwrap_venv_bin
@bash@    if [[ -f $__envwrap_b/postdeactivate || ( -n $__envwrap_hd && -f $__envwrap_hd/postdeactivate ) ]]; then
    @GLOBAL@VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV="$__envwrap_env"
    @GLOBAL@VIRTUALENVWRAPPER_LAST_VIRTUALENV="$__envwrap_env"
    [[ -f $__envwrap_b/postdeactivate ]] && __envwrap_source "$__envwrap_b/postdeactivate"
    [[ -n $__envwrap_hd && -f $__envwrap_hd/postdeactivate ]] && __envwrap_source "$__envwrap_hd/postdeactivate"
    \builtin unset VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV VIRTUALENVWRAPPER_LAST_VIRTUALENV
@bash@    fi
    if [[ -f $__envwrap_env/.envwrap-tmpenv ]]; then
        __envwrap_leave_dir "$__envwrap_env" "${__envwrap_env%/*}"
        __envwrap_call rm --tmp "$__envwrap_env" || __envwrap_st=$?
        __envwrap_back_dir
    fi
    \return "$__envwrap_st"
}

# Before an environment is removed: if the current directory is inside $1, cd to
# $2 (its WORKON_HOME), as virtualenvwrapper does, so that the shell is not left
# in a deleted directory. __envwrap_back_dir returns there if it still exists
# (the removal failed). No process is started.
@GLOBAL@__envwrap_left=
__envwrap_leave_dir() {
@EMULATE@
    if [[ -n $1 && ( $PWD == "$1" || $PWD == "$1"/* ) && -d $2 ]]; then
        __envwrap_left="$PWD"
        \builtin cd -- "$2" || __envwrap_left=
    fi
    \return 0
}
__envwrap_back_dir() {
@EMULATE@
    if [[ -n $__envwrap_left && -d $__envwrap_left ]]; then
        \builtin cd -- "$__envwrap_left" || :
    fi
    __envwrap_left=
    \return 0
}

# virtualenvwrapper's `initialize` hook, sourced once at load (a file test, no
# process): VIRTUALENVWRAPPER_HOOK_DIR, else WORKON_HOME.
__envwrap_initialize() {
@bash@    local __envwrap_h __envwrap_d
@bash@    __envwrap_workon_home
@bash@    __envwrap_d="${VIRTUALENVWRAPPER_HOOK_DIR:-$__envwrap_h}"
@zsh@    local __envwrap_d="${VIRTUALENVWRAPPER_HOOK_DIR:-${WORKON_HOME:-${__envwrap_home-}}}"
    if [[ -n $__envwrap_d && -f $__envwrap_d/initialize ]]; then
        __envwrap_source "$__envwrap_d/initialize"
    fi
    \return 0
}

# ----------------------------------------------------------------- commands

workon() {
    if (( $# == 0 )); then
        __envwrap_list
        \return
    fi
    __envwrap_run workon "$@"
}

# `envwrap config KEY VALUE` (or --unset) may move WORKON_HOME: the backend then
# prints code that brings this shell's WORKON_HOME up to date at once.
envwrap() {
    if [[ ${1-} == config ]] && (( $# > 2 )); then
    @EMULATE@
        local __envwrap_code
        \builtin shift
        __envwrap_code="$(__envwrap_call config --shell @SHELL@ "$@")" || \return $?
        \builtin eval "$__envwrap_code"
        __envwrap_auto_setup
        \return
    fi
    if [[ ${1-} == allow ]]; then  # allowed or revoked: auto-activation looks again
        __envwrap_call "$@" || \return $?
        @GLOBAL@__envwrap_auto_bad='' __envwrap_auto_told='' __envwrap_auto_pwd=''
        \return 0
    fi
    __envwrap_call "$@"
}

# rmvirtualenv NAME...: first out of an environment about to be removed.
rmvirtualenv() {
    local __envwrap_h __envwrap_n __envwrap_st=0
    __envwrap_workon_home
    for __envwrap_n in "$@"; do
        __envwrap_leave_dir "${__envwrap_h:+$__envwrap_h/$__envwrap_n}" "$__envwrap_h"
        [[ -z $__envwrap_left ]] || break
    done
    __envwrap_call rmvirtualenv "$@" || __envwrap_st=$?
    __envwrap_back_dir
    \return "$__envwrap_st"
}

lsvirtualenv() {
    case "${1-}" in
        (-b) __envwrap_list ;;
        (*) __envwrap_call lsvirtualenv "$@" ;;
    esac
}

cdvirtualenv() {
    case ${1-} in
        (-h|--help) __envwrap_run cdvirtualenv --help; \return ;;
    esac
    __envwrap_home_ok || \return
    if [[ -z ${VIRTUAL_ENV-} ]]; then
        \builtin printf 'envwrap: cdvirtualenv: no environment is active; run workon first\n' >&2
        \return 1
    fi
    if [[ ! -d $VIRTUAL_ENV${1:+/$1} ]]; then  # envwrap's one line, not cd's
        \builtin printf 'envwrap: cdvirtualenv: %s is not a directory\n' "$VIRTUAL_ENV${1:+/$1}" >&2
        \return 1
    fi
    \builtin cd -- "$VIRTUAL_ENV${1:+/$1}" || \return
}
'''


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

@bash@__envwrap_auto_pwd=''
@zsh@typeset -g __envwrap_auto_pwd='' __envwrap_auto_busy='' __envwrap_auto_seen='' __envwrap_auto_act=''
__envwrap_auto_hook() {
    local __envwrap_s=$?
@EMULATE@
    # Look again when the directory changed, or an env was activated or
    # deactivated since the last look (__envwrap_auto_seen, __envwrap_auto_act).
@bash@    [[ ${__envwrap_auto-} == 1 ]] || \return "$__envwrap_s"
@zsh@    [[ ${__envwrap_auto-} == 1 && -z $__envwrap_auto_busy ]] || \return "$__envwrap_s"
    [[ $PWD != "${__envwrap_auto_pwd-}" || ${VIRTUAL_ENV-} != "${__envwrap_auto_seen-}" ||
        -n ${__envwrap_auto_act-} ]] || \return "$__envwrap_s"
    local __envwrap_auto_was=${__envwrap_auto_pwd-}
    __envwrap_auto_pwd=$PWD
@zsh@    __envwrap_auto_busy=1  # a cd in a hook that activation runs does not come back here
    __envwrap_auto_check
@zsh@    __envwrap_auto_busy=''
    @GLOBAL@__envwrap_auto_seen=${VIRTUAL_ENV-} __envwrap_auto_act=''
    \return "$__envwrap_s"
}
'''


def posix_auto(shell: str) -> str:
    return posix_text(_POSIX_AUTO, shell)


def posix_runtime(shell: str) -> str:
    return posix_text(_POSIX_RUNTIME, shell)


# ----------------------------------------------------------------- files

BLOCKS = {
    "bash": {"runtime": posix_runtime, "commands": posix_commands, "completion": bash_completion,
             "auto": posix_auto, "options": posix_options},
    "zsh": {"runtime": posix_runtime, "commands": posix_commands, "completion": zsh_completion,
            "auto": posix_auto, "options": posix_options},
    "fish": {"call": fish_call, "commands": fish_commands, "vf": fish_vf, "completion": fish_completion,
             "options": fish_options},
    "powershell": {"call": ps_call, "commands": ps_commands, "completion": ps_completion, "options": ps_options},
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
        note = {"auto": _AUTO_NOTE, "runtime": _RUNTIME_NOTE, "call": _CALL_NOTE, "vf": _VF_NOTE,
                "options": _OPTIONS_NOTE}.get(what, _NOTE)
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
        print("usage: python -m tools.gen_shells [--check]", file=sys.stderr)
        return 2
    stale = []
    made = [(SHELL_DIR / name, lambda text, shell=shell: render(shell, text)) for shell, name in FILES.items()]
    made += [(SHELL_DIR / copy, lambda text, source=source: (SHELL_DIR / source).read_text(encoding="utf-8"))
             for copy, source in COPIES.items()]
    for path, make in made:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        new = make(text)
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
