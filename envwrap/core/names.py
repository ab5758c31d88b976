"""What a valid environment name is. The one place that decides.

A name is one path component inside WORKON_HOME. Refused:
  - empty, ``.``, ``..`` and anything starting with ``.`` (dot-names are hidden,
    and envwrap keeps its own state in ``WORKON_HOME/.envwrap``)
  - a leading ``-`` (it would read as an option everywhere)
  - ``/``, NUL, and every character that ends a line for Python's
    ``str.splitlines`` (newline, carriage return, vertical tab, form feed,
    U+001C..U+001E, U+0085, U+2028, U+2029): a name is one line wherever it is
    written, read back or shown (pyvenv.cfg, messages, listings)
  - the PATH separator (``:``; ``;`` on Windows): activation puts the env's
    bin directory on PATH, where ``x:.`` would add ``./bin`` -- programs in
    whatever directory the user is in (venv and virtualenv refuse such paths
    too; uv does not)
  - ``\\`` and ``:`` on Windows
  - longer than 255 bytes (a file name limit on every common file system)
Everything else (spaces, quotes, ``$``, backticks, ``;`` outside Windows, unicode) is a valid
name: envwrap quotes it for every shell it talks to and never evaluates it.
On a case-insensitive WORKON_HOME, a name that differs from an existing
environment's only in case is refused by :func:`envwrap.registry.check_new_name`.
"""

from __future__ import annotations

import os
import sys

from envwrap.core.errors import UserError

# What str.splitlines() splits on. venv writes the name unquoted into pyvenv.cfg
# (its "command =" line), and envwrap reads that file line by line: a name
# holding any of these would add lines of its own ("home = ...") to the file.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def name_problem(name: str) -> str | None:
    if name == "":
        return "an environment name cannot be empty"
    if name in (".", ".."):
        return f"'{name}' is not an environment name"
    if name.startswith("."):
        return f"environment names cannot start with '.': {name!r}"
    if name.startswith("-"):
        return f"environment names cannot start with '-': {name!r}"
    bad = "/\0" + os.pathsep + LINE_BREAKS + ("\\:" if os.name == "nt" else "")
    for ch in bad:
        if ch in name:
            return f"environment names cannot contain {ch!r}: {name!r}"
    try:
        if len(name.encode("utf-8")) > 255:
            return "environment names are limited to 255 bytes"
    except UnicodeEncodeError:
        return f"environment name is not valid text: {name!r}"
    return None


def validate(name: str) -> str:
    problem = name_problem(name)
    if problem:
        raise UserError(problem)
    return name


def digest(text: str, digits: int = 32) -> str:
    """The first ``digits`` hex digits of the SHA-256 of ``text`` (a lock
    file's name; the keys of the creation path's caches). The hash module
    itself, not hashlib, which loads OpenSSL (about 2 ms); its name asked for
    first: a failed import searches every directory of sys.path."""
    try:
        if sys.version_info >= (3, 12):
            from _sha2 import sha256
        else:
            from _sha256 import sha256
    except ImportError:  # a build without them
        from hashlib import sha256
    return sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:digits]
