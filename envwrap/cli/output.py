"""What the commands print: stdout for data and people, JSON, and the name a
command goes by in its messages (``lsvirtualenv`` or ``envwrap ls``: dispatch
passes a handler the shell command's name as ``prog`` when that called it).
"""

from __future__ import annotations

import os
import sys

from envwrap.core.errors import UserError, one_line


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


# The version of every JSON object envwrap prints (ls, show, doctor --json); it
# changes when a field is added, changes meaning or goes away (docs/commands.md).
JSON_VERSION = 2  # 2: an environment's "kernel", "adopted" and "project_files"


def _json(data) -> None:
    import json

    _out(json.dumps(data, indent=2, ensure_ascii=False))


def _who(prog: str) -> str:
    """``prog`` as the subject of a message that main() prefixes with 'envwrap: '."""
    return prog[len("envwrap "):] if prog.startswith("envwrap ") else prog


def _tell(text: str = "") -> None:
    """A line of stdout meant for people: control characters shown escaped."""
    _out(one_line(text))


# ----------------------------------------------------------------- verbs


def _say_error(exc: UserError) -> None:
    """Print a UserError as its one line on stderr."""
    message = str(exc)
    if os.environ.get("ENVWRAP_AS") == "vf":  # called by fish's vf: hints name vf commands
        from envwrap.cli.vfterms import words

        message = words(message)
    print(f"envwrap: {one_line(message)}", file=sys.stderr)
