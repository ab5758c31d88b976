"""Messages in virtualfish's words, for a backend call made by fish's ``vf``.

``vf SUBCOMMAND`` runs envwrap's commands with ``ENVWRAP_AS=vf``; a hint at the
end of a message (``(lsvirtualenv lists them)``, ``run workon first``) or the
command that starts it (``cdsitepackages: ...``) then names the ``vf`` command
the user would type. Only those fixed places are rewritten, never the middle of
a message, where names and paths the user chose appear.
"""

from __future__ import annotations

import re

from envwrap.cli.table import VF_ROWS

# virtualenvwrapper's command -> the vf command that runs it (the table's VF_ROWS).
VF = {command: f"vf {sub}" for sub, command, _, _ in VF_ROWS if command}

_WORDS = "|".join(sorted(VF, key=len, reverse=True))
_PREFIX = re.compile(rf"^({_WORDS}): ")
_ENDINGS = (
    (re.compile(rf"\(({_WORDS}) lists them\)$"), lambda m: f"({VF[m[1]]} lists them)"),
    (re.compile(rf"run ({_WORDS}) first$"), lambda m: f"run {VF[m[1]]} first"),
    (re.compile(r"is active: deactivate it first$"), lambda m: "is active: run vf deactivate first"),
    (re.compile(rf"\(see ({_WORDS}) --help\)$"), lambda m: f"(see {VF[m[1]]} --help)"),
)


def words(message: str) -> str:
    """``message`` with its leading command and its closing hint in vf's terms."""
    message = _PREFIX.sub(lambda m: f"{VF[m[1]]}: ", message, count=1)
    for pattern, repl in _ENDINGS:
        message = pattern.sub(repl, message, count=1)
    return message
