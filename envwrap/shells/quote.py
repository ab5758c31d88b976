"""One quoter per shell: turn any string into a literal that the shell reads back
byte-for-byte and never expands. Every value envwrap hands to a shell passes
through one of these; tests round-trip them through the real shells.
"""

from __future__ import annotations

# Characters no shell expands in an unquoted word, under any common option.
# Not ``=``: zsh expands ``=cmd`` to the path of cmd (option EQUALS, on by
# default) at the start of a word, after ``:`` in an assignment (``x=a:=ls``)
# and, with MAGIC_EQUAL_SUBST, after the ``=`` of an argument (``a==ls``).
# Not ``~ ^ #`` either (tilde expansion; zsh's EXTENDED_GLOB operators).
_POSIX_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+:,./-")


def posix(value: str) -> str:
    """bash/zsh/sh: single quotes; a ``'`` becomes ``'\\''``.

    Single quotes are literal in every POSIX shell (no escapes, no expansion),
    including zsh with its default options and with ``rc_quotes``. A value made
    only of characters that nothing expands is left bare.
    """
    if value and _POSIX_SAFE.issuperset(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def fish(value: str) -> str:
    """fish: inside single quotes, ``\\\\`` and ``\\'`` are escapes, so both are
    escaped (POSIX quoting would turn ``a\\\\b`` into ``a\\b``)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# PowerShell treats the typographic single quotes as quote characters too.
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"


def powershell(value: str) -> str:
    """PowerShell: a single-quoted (verbatim) string; each quote character,
    ASCII or typographic (U+2018..U+201B), is doubled."""
    out = []
    for ch in value:
        out.append(ch + ch if ch in _PS_QUOTES else ch)
    return "'" + "".join(out) + "'"
