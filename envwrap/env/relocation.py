"""Making an environment's files name a new place: an env built in a stage,
copied or renamed works where it ends up."""

from __future__ import annotations

import os

from envwrap.core import atomicfile
from envwrap.core.layout import Layout

_BOUNDARY = rb"(?=[/\\'\"\s:;]|$)"


def _script_interpreter(data: bytes) -> tuple[str, str, bytes] | None:
    """(interpreter, its arguments, rest of the file) of a script that starts
    with a plain ``#!`` line or with the ``/bin/sh`` trampoline that pip, uv and
    envwrap write when a plain line cannot work; None for anything else."""
    import shlex

    if not data.startswith(b"#!"):
        return None
    first, sep, rest = data.partition(b"\n")
    if not sep:
        return None
    try:
        first_text = os.fsdecode(first[2:]).rstrip("\r")
    except UnicodeError:  # pragma: no cover - fsdecode uses surrogateescape
        return None
    if first_text.strip() == "/bin/sh":
        second, sep, body = rest.partition(b"\n")
        line = os.fsdecode(second)
        if sep and line.startswith("'''exec' ") and line.endswith(' "$0" "$@"') and body.startswith(b"' '''"):
            try:
                words = shlex.split(line[len("'''exec' "):-len(' "$0" "$@"')])
            except ValueError:
                return None
            if words:
                end = body.find(b"\n")
                return words[0], " ".join(shlex.quote(w) for w in words[1:]), body[end + 1:] if end >= 0 else b""
        return None
    interpreter, _, args = first_text.strip().partition(" ")
    return interpreter, args.strip(), rest


def path_replacer(old, new):
    """A function that rewrites whole occurrences of path ``old`` to ``new`` in bytes."""
    import re

    pattern = re.compile(re.escape(os.fsencode(old)) + _BOUNDARY, re.MULTILINE)
    replacement = os.fsencode(new).replace(b"\\", b"\\\\")
    return lambda data: pattern.sub(replacement, data)


def relocate_script(data: bytes, old, new) -> bytes | None:
    """A script run by the interpreter of an env moved from ``old`` to ``new``,
    rewritten to run at ``new``: its first line is seed.shebang's (a plain ``#!``
    line, or the /bin/sh trampoline for a path with whitespace or too long for
    the kernel), and ``old`` is ``new`` in the rest. None when the script is not
    run by the env's own interpreter."""
    from envwrap.seeding.launchers import shebang

    found = _script_interpreter(data)
    if found is None:
        return None
    interpreter, args, rest = found
    old_s = os.fspath(old).rstrip(os.sep)
    if not interpreter.startswith(old_s + os.sep):
        return None
    moved = os.fspath(new).rstrip(os.sep) + interpreter[len(old_s):]
    return os.fsencode(shebang(moved, args)) + path_replacer(old, new)(rest)


def relocate(tree, old, new) -> None:
    """Make an env tree that was built or lived at ``old`` work at ``new``: the
    text files that hold its own path (scripts in bin/, pyvenv.cfg, and .pth /
    .egg-link files in site-packages) have ``old`` rewritten to ``new``, and
    each script run by the env's interpreter gets a first line that works at
    ``new`` (:func:`relocate_script`). Copying uses it; so can renaming."""
    import stat
    from pathlib import Path

    replace = path_replacer(old, new)
    layout = Layout.of(tree)
    files: list[Path] = [Path(layout.cfg)]
    scripts: list[Path] = []
    try:
        scripts = [Path(e.path) for e in os.scandir(layout.bin_dir) if e.is_file(follow_symlinks=False)]
    except OSError:
        pass
    files += scripts
    site = layout.site_packages()
    if site is not None:
        files += [p for p in Path(site).iterdir() if p.suffix in (".pth", ".egg-link")]
    for path in files:
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > 4 << 20:
                continue  # a link is never read or written through
            data = path.read_bytes()
        except OSError:
            continue
        if b"\0" in data[:4096]:
            continue
        updated = relocate_script(data, old, new) if path in scripts else None
        if updated is None:
            updated = replace(data)
        if updated != data:
            atomicfile.replace(path, updated, inside=tree)


def relocate_text(tree, old, new) -> None:
    """Rewrite the whole path ``old`` to ``new`` in every other text file of the
    tree that names it (a RECORD, a tool's own config, a .csh or .nu activate
    script): after a rename no text file may still point at the old place.
    Bytecode and files that hold a NUL byte (binaries) are left alone; Python
    fixes a .pyc's recorded file name itself when it loads it."""
    needle = os.fsencode(os.fspath(old))
    replace = path_replacer(old, new)
    for dirpath, dirnames, filenames in os.walk(os.fspath(tree)):
        if "__pycache__" in dirnames:
            dirnames.remove("__pycache__")
        for name in filenames:
            if name.endswith((".pyc", ".so", ".dylib", ".dll", ".exe", ".pyd")):
                continue
            path = os.path.join(dirpath, name)
            try:
                if os.path.islink(path) or os.path.getsize(path) > 16 << 20:
                    continue
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if needle not in data or b"\0" in data:
                continue
            updated = replace(data)
            if updated != data:
                atomicfile.replace(path, updated, inside=tree)
