"""The one exception a user can cause.

Anything a person can get wrong (a bad name, a missing environment, a failing hook)
raises UserError; the CLI prints it as one line, ``envwrap: <message>``, on stderr
and exits non-zero. Any other exception is a bug in envwrap.
"""


class UserError(Exception):
    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


# C0 controls, DEL and the C1 controls (U+0080..U+009F: U+009B alone starts an
# escape sequence on terminals that read 8-bit controls), and the bidirectional
# embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069), which
# make what follows them on the line display in another order.
_CONTROL = {i: f"\\x{i:02x}" for i in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL.update({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"})
_CONTROL.update({i: f"\\u{i:04x}" for i in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def say(message: str) -> None:
    """Tell the user something on stderr, as one line (see :func:`one_line`)."""
    import sys

    print(one_line(message), file=sys.stderr)


def one_line(message: str) -> str:
    """A message safe to print as one terminal line: names a user chose may hold
    newlines or escape sequences, which are shown escaped, never acted on.

    Everything envwrap prints for people, on stdout or stderr, goes through
    this; machine formats (``envwrap ls``, ``ls --json``, ``path``) do not."""
    return message.translate(_CONTROL)
