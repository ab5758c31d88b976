"""zsh's dialect of ``make shells`` (tools/gen_shells.py): the generated blocks of
envwrap.zsh. What zsh shares with bash (the runtime and auto-activation text,
the commands, their options) is bash's dialect's, read as zsh; its own are the
completion block and its copy of bash's activate template. A development tool:
nothing at run time imports it, and the wheel leaves it out (pyproject.toml).
"""

from __future__ import annotations

from envwrap.cli import table as t
from envwrap.shells.bash import generate as bash

# zsh reads bash's activate script: a copy in this folder, written by `make
# shells` (file here -> its source, relative to envwrap/shells/).
COPIES = {"activate.sh": "bash/activate.sh"}


def completion(gen) -> str:
    lines = [
        "# envwrap VERB: the public verbs (envwrap --help).",
        "typeset -ga __envwrap_verbs",
        *bash.verb_lists(gen),
        "",
        "# TAB: a word that starts with '-' gets the command's options (those of VERB",
        "# after envwrap VERB; allvirtualenv's before its command only); any other word",
        "# what the command's completion kind offers (one arm per kind).",
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
        *bash.dispatch_case(gen, "zsh", "${words[1]-}", "_default"),
        "}",
        "",
        "__envwrap_compdef() {",
        f"    compdef __envwrap_complete {' '.join(c.name for c in t.COMMANDS)}",
        "}",
    ]
    return "\n".join(lines)


BLOCKS = {
    "runtime": (lambda gen: bash.posix_text(gen, "runtime.sh.in", "zsh"), bash.RUNTIME_NOTE),
    "commands": (bash.commands, None),
    "complete": (lambda gen: bash.posix_text(gen, "complete.sh.in", "zsh"), bash.COMPLETE_NOTE),
    "completion": (completion, None),
    "auto": (lambda gen: bash.posix_text(gen, "auto.sh.in", "zsh"), bash.AUTO_NOTE),
    "options": (bash.options, "options"),
}
