"""Reading a TOML file a user hands envwrap (a manifest, a pylock.toml): whole
or not at all, never read past a size no such file reaches, and any damage one
UserError naming the file."""

from __future__ import annotations

import sys

from envwrap.core.errors import UserError

# The most of a file envwrap reads as TOML (a manifest with every hook and
# distribution of a large env, or a lock of one, is a few hundred kilobytes).
MAX_BYTES = 16 << 20


def tomllib():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - older Pythons
        import tomli as tomllib
    return tomllib


def read(path: str, what: str) -> dict:
    """The TOML table in ``path``; ``what`` names what it should be, for the
    one-line error (``an envwrap manifest``)."""
    parser = tomllib()
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # /dev/zero, or a huge file, is not read to the end
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise UserError(f"{path} is not {what} (larger than {MAX_BYTES >> 20} MiB)")
    try:
        return parser.loads(raw.decode("utf-8"))
    except (UnicodeError, parser.TOMLDecodeError) as exc:
        raise UserError(f"{path} is not {what}: {exc}") from None
