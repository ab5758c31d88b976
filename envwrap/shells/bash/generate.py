"""bash's dialect of ``make shells`` (tools/gen_shells.py), and the text bash and
zsh share: how the generated blocks of envwrap.bash are written from the
command table. A development tool: nothing at run time imports it, and the
wheel leaves it out (pyproject.toml).

bash and zsh read one text for what they share: the ``runtime`` block (calling
the backend with the settings of ``gen.call_settings()``, hooks, WORKON_HOME,
the deactivate wrapper, the commands whose body is the shell's own) from
runtime.sh.in, the ``complete`` block (the name scan and the completers whose
logic is the same in both) from complete.sh.in, and the ``auto`` block
(auto-activation) from auto.sh.in, all in this folder, their differences
marked line by line (see :func:`posix_text`). The blocks of the commands,
their options and TAB are made below for both; zsh's dialect
(envwrap/shells/zsh/generate.py) takes them from here.

Each maker takes the generator (``gen``: the table, the options each command's
parser defines, the settings) and returns the block's text.
"""

from __future__ import annotations

import re
from pathlib import Path

from envwrap.cli import table as t

HERE = Path(__file__).resolve().parent
RUNTIME_NOTE = "made by `make shells` from envwrap/shells/bash/runtime.sh.in, for bash and zsh; edit it there"
COMPLETE_NOTE = "made by `make shells` from envwrap/shells/bash/complete.sh.in, for bash and zsh; edit it there"
AUTO_NOTE = "made by `make shells` from envwrap/shells/bash/auto.sh.in, for bash and zsh; edit it there"

# The shared text marks what differs, line by line: a line that starts with
# @bash@ or @zsh@ is that shell's only; @EMULATE@ (a line of its own) is zsh's
# `emulate -L zsh`, which makes each function immune to the user's options;
# @GLOBAL@ is zsh's `typeset -g ` before an assignment that must reach the
# global; @SHELL@ is the shell's name; @SETTINGS@ (a line of its own) is one
# NAME="${NAME-}" line per setting of gen.call_settings(). Lines that start with
# #@ describe the template and are left out.
_SHELL_LINE = re.compile(r"^@(bash|zsh)@")


def posix_text(gen, name: str, shell: str) -> str:
    """The template ``name`` of this folder, as ``shell`` reads it."""
    zsh = shell == "zsh"
    out = []
    for line in (HERE / name).read_text(encoding="utf-8").split("\n"):
        if line.startswith("#@"):
            continue
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
            out += [f'    {setting}="${{{setting}-}}" \\' for setting in gen.call_settings()]
            continue
        out.append(line.replace("@GLOBAL@", "typeset -g " if zsh else "").replace("@SHELL@", shell))
    return "\n".join(out).strip("\n")


def commands(gen) -> str:
    """bash and zsh read the same definitions."""
    lines = [
        "# EVAL commands evaluate the code the backend prints; the others call the",
        "# backend verb named after the command (so that --help and messages name it):",
        "# envwrap's `showvirtualenv` is `envwrap show`, and so on.",
    ]
    for c in gen.generated_commands():
        runner = "__envwrap_run" if c.kind == t.EVAL else "__envwrap_call"
        lines.append(f'{c.name}() {{ {runner} {c.name} "$@"; }}')
    return "\n".join(lines)


# Commands whose other arguments fall back to the shell's file names (bash's
# -o default, zsh's _default): a name then a directory, no table completer, and
# anywhere but after -p for the commands that take -p.
DEFAULT = (t.NAME_THEN_FILES, t.NOTHING, t.COMMAND, t.PYTHON)


def verb_lists(gen) -> list[str]:
    return [f"__envwrap_verbs=({' '.join(t.PUBLIC_VERBS)})"]


def kinds(gen, shell: str) -> dict[str, str]:
    """TAB completion kind -> what the dispatcher runs for a word that is no
    option, one small template per kind (COMMAND and NOTHING: the shell's
    default). bash counts the words from 0 (COMP_CWORD, COMP_WORDS), zsh from 1
    (CURRENT, words: the command is words[1])."""
    zsh = shell == "zsh"
    first = "(( CURRENT == 2 ))" if zsh else "(( COMP_CWORD == 1 ))"
    prev = "${words[CURRENT-1]-}" if zsh else "${COMP_WORDS[COMP_CWORD-1]-}"
    at, verb = ("$CURRENT", "${words[2]-}") if zsh else ("$COMP_CWORD", "${COMP_WORDS[1]-}")
    one = 3 if zsh else 2  # the position of envwrap VERB's first argument
    # envwrap VERB NAME: the verbs, then names where the verb takes one (first
    # argument; every argument for the verbs that take several names).
    every = gen.names_verbs()
    takes = "|".join([f"{one}:{v}" for v in gen.name_verbs() if v not in every] + [f"*:{v}" for v in every])
    site = '"${VIRTUAL_ENV-}"/lib/python*/site-packages'
    if zsh:
        return {
            t.NAMES: "__envwrap_complete_names",
            t.FIRST_NAME: f"{first} && __envwrap_complete_names",
            t.NAME_THEN_FILES: f"if {first}; then __envwrap_complete_names; else _files; fi",
            t.SUBDIRS: '__envwrap_complete_subdirs "${VIRTUAL_ENV-}"',
            t.SITE_SUBDIRS: f"__envwrap_complete_subdirs {site}(N/)",
            t.VERBS: f"case {at}:{verb} in (2:*) compadd -a __envwrap_verbs ;; ({takes}) __envwrap_complete_names ;;"
                     " (*) \\return 1 ;; esac",
            t.PYTHON: f"[[ {prev} == (-p|--python) ]] && __envwrap_complete_python || _default",
        }
    return {
        t.NAMES: "__envwrap_complete_names",
        t.FIRST_NAME: f"{first} && __envwrap_complete_names",
        t.NAME_THEN_FILES: f"{first} && __envwrap_complete_names",  # then readline's file names
        t.SUBDIRS: '__envwrap_complete_subdirs "${VIRTUAL_ENV-}"',
        t.SITE_SUBDIRS: f"__envwrap_complete_subdirs {site}",
        t.VERBS: f'case {at}:{verb} in (1:*) __envwrap_reply "{verb}" "${{__envwrap_verbs[@]}}" ;;'
                 f" ({takes}) __envwrap_complete_names ;; esac",
        t.PYTHON: f"[[ {prev} != -p && {prev} != --python ]] || __envwrap_complete_python",
    }


def dispatch_case(gen, shell: str, word: str, otherwise: str) -> list[str]:
    """The dispatcher's case on the command ``word``: for a word that is no
    option, what the command's completion kind runs, else ``otherwise``."""
    arms: dict[str, list[str]] = {}
    templates = kinds(gen, shell)
    for c in t.COMMANDS:
        if c.completes in templates:
            arms.setdefault(templates[c.completes], []).append(c.name)
    lines = [f"    case {word} in"]
    lines += [f"        ({'|'.join(names)}) {arm} ;;" for arm, names in arms.items()]
    return lines + [f"        (*) {otherwise} ;;", "    esac"]


def options(gen) -> str:
    """bash and zsh read the same list: each command's option words, and those
    of each envwrap VERB as 'envwrap VERB'."""
    lines = [
        "# Every command's options, read from the parser the command builds in the",
        "# backend, into the array __envwrap_o for __envwrap_complete.",
        "__envwrap_options() {",
        "    case $1 in",
    ]
    rows = [(c.name, gen.command_options(c.name)) for c in gen.option_commands()]
    rows += [(f"envwrap {verb}", gen.verb_options(verb)) for verb in t.PUBLIC_VERBS]
    for key, found in rows:
        words = " ".join(w for o in found for w in o.words)
        pattern = f"'{key}'" if " " in key else key
        lines.append(f"        ({pattern}) __envwrap_o=({words}) ;;")
    lines += ["        (*) __envwrap_o=() ;;", "    esac", "}"]
    return "\n".join(lines)


def completion(gen) -> str:
    lines = [
        "# envwrap VERB: the public verbs (envwrap --help).",
        *verb_lists(gen),
        "",
        "# TAB: a word that starts with '-' gets the command's options (those of VERB",
        "# after envwrap VERB; allvirtualenv's before its command only); any other word",
        "# what the command's completion kind offers (one arm per kind).",
        "__envwrap_complete() {",
        '    local __envwrap_cur="${COMP_WORDS[COMP_CWORD]-}"',
        "    local -a __envwrap_o=()",
        '    if [[ $__envwrap_cur == -* ]]; then',
        "        case ${COMP_WORDS[0]-} in",
        '            (envwrap) [ "${COMP_CWORD-0}" -lt 2 ] || __envwrap_options "envwrap ${COMP_WORDS[1]-}" ;;',
        '            (allvirtualenv) [ "${COMP_CWORD-0}" -ne 1 ] || __envwrap_options allvirtualenv ;;',
        '            (*) __envwrap_options "${COMP_WORDS[0]-}" ;;',
        "        esac",
        '        __envwrap_reply "$__envwrap_cur" "${__envwrap_o[@]}"',
        "        \\return 0",
        "    fi",
        "    COMPREPLY=()",
        *dispatch_case(gen, "bash", "${COMP_WORDS[0]-}", ":"),
        "}",
    ]
    plain = [c.name for c in t.COMMANDS if c.completes not in DEFAULT]
    default = [c.name for c in t.COMMANDS if c.completes in DEFAULT]
    lines.append(f"\\builtin complete -F __envwrap_complete {' '.join(plain)}")
    # and readline's own file names where __envwrap_complete offers nothing
    lines.append(f"\\builtin complete -o default -F __envwrap_complete {' '.join(default)}")
    return "\n".join(lines)


# Block -> (its maker, the note the block starts with).
BLOCKS = {
    "runtime": (lambda gen: posix_text(gen, "runtime.sh.in", "bash"), RUNTIME_NOTE),
    "commands": (commands, None),
    "complete": (lambda gen: posix_text(gen, "complete.sh.in", "bash"), COMPLETE_NOTE),
    "completion": (completion, None),
    "auto": (lambda gen: posix_text(gen, "auto.sh.in", "bash"), AUTO_NOTE),
    "options": (options, "options"),
}
