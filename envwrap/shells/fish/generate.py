"""fish's dialect of ``make shells`` (tools/gen_shells.py): how the generated
blocks of envwrap.fish are written from the command table (the commands, their
TAB registrations and options, ``__envwrap_call`` with the settings the backend
reads, and ``vf`` from the vf table). A development tool: nothing at run time
imports it, and the wheel leaves it out (pyproject.toml).

Each maker takes the generator (``gen``: the table, the options each command's
parser defines, the settings) and returns the block's text.
"""

from __future__ import annotations

from envwrap.cli import table as t

CALL_NOTE = "made by `make shells` from envwrap/shells/fish/generate.py and the settings the backend reads; edit those"
VF_NOTE = "made by `make shells` from VF_ROWS in envwrap/cli/table.py; edit it there"


def _word(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if any(ch in text for ch in '"$\\'):
        raise ValueError(f"cannot quote {text!r} for fish here")
    return f'"{text}"'


def commands(gen) -> str:
    blocks = []
    for c in gen.generated_commands():
        runner = "__envwrap_run" if c.kind == t.EVAL else "__envwrap_call"
        blocks.append(f"function {c.name} --description {_word(c.summary)}\n"
                      f"    {runner} {c.name} $argv\nend")
    return "\n\n".join(blocks)


def call(gen) -> str:
    """__envwrap_call, which passes the settings of gen.call_settings()."""
    settings = "".join(f'        {name}="${name}" \\\n' for name in gen.call_settings())
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


# fish's vf subcommands that are one command (another command under
# virtualfish's name, or a hidden verb of the backend), from the vf table
# (cli.table.VF_ROWS): (subcommand, what `vf help` says, the fish command line
# it runs). The others, which emit virtualfish's events around a command, are
# hand-written in the file; vf itself (its dispatch), `vf help` and vf's TAB are
# made here from every row.
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
                  f"            printf '%s\\n' \"envwrap: vf $argv[1]: \"{_quote(message)} >&2",
                  f"            return {status}"]
    lines += [
        f"        case {subs}",
        "            # The backend's hints then name vf commands (vf ls, vf activate), not",
        "            # virtualenvwrapper's; exported to the backend only (a local of this call).",
        "            set -lx ENVWRAP_AS vf",
        "            __envwrap_vf_$argv[1] $argv[2..-1]",
        "        case '*'",
        "            printf 'envwrap: vf: unknown command %s (vf help lists them)\\n' "
        "(string escape -- \"$argv[1]\") >&2",
        "            return 2",
        "    end",
        "end",
    ]
    return "\n".join(lines)


def _vf_help() -> str:
    rows = sorted((sub, summary) for sub, _, summary, _ in t.VF_ROWS)
    lines = [
        "function __envwrap_vf_help --description " + _word(dict(rows)["help"]),
        "    if not set -q argv[1]",
        "        echo 'Usage: vf <command> [<args>]   (virtualfish commands, run by envwrap)'",
        "        echo",
    ]
    lines += [f"        echo {_quote(f'    {sub:<15} {summary}')}" for sub, summary in rows]
    lines += ["        return 0", "    end", "    switch $argv[1]"]
    for sub, summary in rows:
        lines += [f"        case {sub}", f"            echo {_quote(f'vf {sub}: {summary}')}"]
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
        lines.append(f"    complete -c vf -n __fish_use_subcommand -a {sub} -d {_quote(summary)}")
    lines += [f"    complete -c vf -n '__fish_seen_subcommand_from {' '.join(VF_TAKES_NAMES)}' -a '(__envwrap_names)'",
              "end"]
    return "\n".join(lines)


def vf(gen) -> str:
    aliases = [f"function __envwrap_vf_{name} --description {_word(about)}\n    {body}\nend"
               for name, about, body in VF_ALIASES]
    return "\n\n".join([_vf_dispatch(), _vf_help(), *aliases, _vf_completions()])


_FIRST = "'test (count (commandline -opc)) -eq 1'"
_EVERY = " ".join(v for v in t.PUBLIC_VERBS if v in t.NAMES_VERBS)
_FIRST_ONLY = " ".join(v for v in t.PUBLIC_VERBS if v in t.NAME_VERBS - t.NAMES_VERBS)
COMPLETERS = {
    t.NAMES: ["-f -a '(__envwrap_names)'"],
    t.FIRST_NAME: ["-f", f"-f -n {_FIRST} -a '(__envwrap_names)'"],
    t.NAME_THEN_FILES: [f"-n {_FIRST} -a '(__envwrap_names)'"],
    t.SUBDIRS: ["-f -a '(__envwrap_complete_subdirs)'"],
    t.SITE_SUBDIRS: ["-f -a '(__envwrap_complete_subdirs site)'"],
    # envwrap VERB NAME: the public verbs (envwrap --help), then names where the
    # verb takes one (every argument, or the first: the second word typed).
    t.VERBS: [f"-f -n __fish_use_subcommand -a '{' '.join(t.PUBLIC_VERBS)}'",
              f"-f -n '__envwrap_verb_is {_EVERY}' -a '(__envwrap_names)'",
              f"-f -n '__envwrap_verb_is {_FIRST_ONLY}; and test (count (commandline -opc)) -eq 2' "
              "-a '(__envwrap_names)'"],
    t.COMMAND: ["-x -a '(__fish_complete_subcommand)'"],
    t.PYTHON: ["-s p -l python -r -a '(__envwrap_python_versions)'"],
    t.NOTHING: [],
}


def completion(gen) -> str:
    lines = [
        "function __envwrap_register_completions --description 'Register the TAB completions of the envwrap commands'",
        "    # Erase first, so that loading envwrap twice registers everything once.",
        f"    for cmd in {' '.join(c.name for c in t.COMMANDS)}",
        "        complete -c $cmd -e",
        "    end",
    ]
    for c in t.COMMANDS:
        for spec in COMPLETERS[c.completes]:
            lines.append(f"    complete -c {c.name} {spec}")
    lines += ["    # Their options (the options block, from the backend's parsers).",
              "    __envwrap_register_options", "end"]
    return "\n".join(lines)


def _quote(text: str) -> str:
    """fish's single quotes: only \\ and ' are special inside them."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _option(gen, command: str, o, condition: str = "") -> str:
    words = [f"complete -c {command}"]
    if condition:
        words.append(f"-n {_quote(condition)}")
    words += [f"-s {w[1:]}" for w in o.shorts]
    words += [f"-l {w[2:]}" for w in o.longs]
    if o.takes == gen.PATH:
        words.append("-r -F")
    elif o.choices:
        words.append(f"-x -a {_quote(' '.join(o.choices))}")
    elif o.takes:
        words.append("-x")
    words.append(f"-d {_quote(o.help)}")
    return " ".join(words)


def _takes_paths(gen, name: str) -> bool:
    """Whether a command's arguments (not its options) may be paths: the
    metavar of one of its positionals says so."""
    return any(not a.option_strings and (a.metavar or a.dest.upper()) in gen.PATH_VALUES
               for a in gen.command_parser(name)._actions)


def options(gen) -> str:
    lines = [
        "# Every command's options, read from the parser the command builds in the",
        "# backend (a command whose arguments are no paths completes no file names).",
        "function __envwrap_verb_is --description 'Whether TAB is after envwrap VERB (one of those given)'",
        "    set -l words (commandline -opc)",
        '    contains -- "$words[2]" $argv',
        "end",
        "",
        "function __envwrap_register_options --description "
        "'Register the TAB completions of the options of the envwrap commands'",
    ]
    for c in gen.option_commands():
        if c.completes == t.NOTHING and not _takes_paths(gen, c.name):
            lines.append(f"    complete -c {c.name} -f")
        # allvirtualenv CMD ARGS...: past CMD, the options are CMD's.
        first = _FIRST[1:-1] if c.completes == t.COMMAND else ""
        for o in gen.command_options(c.name):
            lines.append("    " + _option(gen, c.name, o, first))
    for verb in t.PUBLIC_VERBS:
        for o in gen.verb_options(verb):
            lines.append("    " + _option(gen, "envwrap", o, f"__envwrap_verb_is {verb}"))
    lines.append("end")
    return "\n".join(lines)


# Block -> (its maker, the note the block starts with; None: the table's).
BLOCKS = {
    "call": (call, CALL_NOTE),
    "commands": (commands, None),
    "vf": (vf, VF_NOTE),
    "completion": (completion, None),
    "options": (options, "options"),
}
