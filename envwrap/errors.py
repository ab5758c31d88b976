"""The one exception a user can cause.

Anything a person can get wrong (a bad name, a missing environment, a failing hook)
raises UserError; the CLI prints it as one line, ``envwrap: <message>``, on stderr
and exits non-zero. Any other exception is a bug in envwrap.
"""


class UserError(Exception):
    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


_CONTROL = {i: f"\\x{i:02x}" for i in range(0x20)}
_CONTROL.update({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x7F: "\\x7f"})


def say(message: str) -> None:
    """Tell the user something on stderr, as one line (see :func:`one_line`)."""
    import sys

    print(one_line(message), file=sys.stderr)


def one_line(message: str) -> str:
    """A message safe to print as one terminal line: names a user chose may hold
    newlines or escape sequences, which are shown escaped, never acted on."""
    return message.translate(_CONTROL)
