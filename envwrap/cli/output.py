"""What the commands print: stdout for data and people, JSON, and the name a
command goes by in its messages (``lsvirtualenv`` or ``envwrap ls``).
"""

from __future__ import annotations

import os
import sys

from envwrap.core.errors import UserError, one_line


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


# The version of every JSON object envwrap prints (ls, show, doctor --json); it
# changes only when a field changes meaning or goes away (README: JSON output).


# The version of every JSON object envwrap prints (ls, show, doctor --json); it
# changes only when a field changes meaning or goes away (README: JSON output).
JSON_VERSION = 1


def _json(data) -> None:
    import json

    _out(json.dumps(data, indent=2, ensure_ascii=False))


_invoked_as: str | None = None  # the first argument of this run, set by main()


def _prog(verb: str) -> str:
    """What --help and messages call ``verb``: the shell command's name when the
    shell function called it, else ``envwrap VERB``."""
    from envwrap.cli.table import COMMAND_VERBS

    if _invoked_as is not None and COMMAND_VERBS.get(_invoked_as) == verb:
        return _invoked_as
    return f"envwrap {verb}"


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
