"""Installing ``mkvirtualenv -i PKG`` / ``-r FILE`` through uv when uv is there.

``uv pip install --python ENV/bin/python`` does in a tenth of a second what pip
does in a second or more. The user's pip settings decide where packages come
from, so they reach uv as flags: the index, the extra indexes (with pip's rule
of taking the best match among all of them), find-links, no-index and
constraints, from the ``PIP_*`` variables first, else from pip's config files
(``[install]`` over ``[global]``, in the order pip reads them). uv's own settings
apply to everything else. ``ENVWRAP_INSTALLER=pip`` keeps pip.

The env is still in its stage while this runs: a failure leaves nothing, as
with pip. pip itself was seeded before, and stays.

Into a new env uv installs with ``--python BASE --prefix STAGE`` where it can
(:func:`install_new`): uv keeps what it learns of an interpreter in its cache
under the interpreter's path, and a stage's path is new every time, so
``--python STAGE/bin/python`` costs a start of that Python to query it, most
of what a small install takes; the base interpreter is queried once. uv then
installs with the venv scheme of that interpreter, the env's own layout, and
only the scripts' first line names the base: it is set to the env's python.

Packages are copied from uv's cache (``UV_LINK_MODE=copy`` unless the user
sets it): uv's default on Linux links them (a hard link where the file system
cannot clone, as ext4 cannot), and a file linked into an env is the same file
in every env and in uv's cache, so a ``chmod`` or an edit in one env would
change them all.
"""

from __future__ import annotations

import os
import sys

from envwrap.core.errors import UserError

# re, shlex, subprocess and configparser are imported where needed (a failure to
# explain, Windows, a pip config file that exists): mkvirtualenv -i is timed
# against uv itself.

_KEYS = ("index-url", "extra-index-url", "find-links", "no-index", "constraint", "cert")
_TRUE = ("1", "true", "yes", "on", "y")


def uv_for_install() -> str | None:
    """The uv to install with, or None (pip then)."""
    from envwrap.core import home, settings
    from envwrap.env import creators

    choice = str(home.value("installer")[0])
    if choice not in settings.BY_KEY["installer"].allowed:
        raise UserError(f"ENVWRAP_INSTALLER is auto, uv or pip, not '{choice}'")
    if choice == "pip":
        return None
    uv = creators.uv_binary()
    if uv is None and choice == "uv":
        raise UserError("ENVWRAP_INSTALLER=uv, but uv is not installed")
    return uv


def _config_files() -> list[str]:
    """pip's config files, in the order pip reads them (later ones win)."""
    override = os.environ.get("PIP_CONFIG_FILE")
    if override == os.devnull:
        return []
    files = []
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files += [os.path.join(d, "pip", "pip.conf") for d in xdg_dirs.split(os.pathsep) if d][::-1]
    files.append("/etc/pip.conf")
    home_dir = os.path.expanduser("~")
    files.append(os.path.join(home_dir, ".pip", "pip.conf"))
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home_dir, ".config")
    files.append(os.path.join(xdg, "pip", "pip.conf"))
    if override:
        files.append(override)
    return files


def pip_settings() -> dict[str, str]:
    """The values pip would use for _KEYS: config files, then PIP_* variables."""
    sections: dict[str, dict[str, str]] = {"global": {}, "install": {}}
    for path in _config_files():
        if not os.path.isfile(path):
            continue  # configparser (and re) only for a file that is there
        import configparser

        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeError):
            continue
        for section, values in sections.items():
            if parser.has_section(section):
                for key in _KEYS:
                    for spelled in (key, key.replace("-", "_")):
                        if parser.has_option(section, spelled):
                            values[key] = parser.get(section, spelled)
    found = dict(sections["global"], **sections["install"])  # [install] wins, from any file
    for key in _KEYS:
        value = os.environ.get("PIP_" + key.upper().replace("-", "_"))
        if value is not None:
            found[key] = value
    return found


def flags(settings: dict[str, str]) -> list[str]:
    """uv's flags for pip's settings."""
    out: list[str] = []
    if settings.get("index-url", "").strip():
        out += ["--index-url", settings["index-url"].strip()]
    extras = settings.get("extra-index-url", "").split()
    for url in extras:
        out += ["--extra-index-url", url]
    if extras:
        out += ["--index-strategy", "unsafe-best-match"]  # pip takes the best version of all indexes
    for link in settings.get("find-links", "").split():
        out += ["--find-links", link]
    if settings.get("no-index", "").strip().lower() in _TRUE:
        out.append("--no-index")
    for constraint in settings.get("constraint", "").split():
        out += ["--constraint", constraint]
    return out


_FAILURES = (
    r"you require ([^\s,]+)",
    r"Failed to (?:build|download|prepare distributions|fetch)\S* `([^`]+)`",
    r"(?:File not found|Distribution not found at): `([^`]+)`",
)


def _culprit(text: str) -> str | None:
    import re

    for pattern in _FAILURES:
        match = re.search(pattern, text)
        if match:
            return match.group(1).rstrip(".,;:")
    return None


def _as_typed(culprit: str, args: list[str]) -> str:
    """The requirement as the user typed it, when uv names it normalized
    (``not_there`` is ``not-there`` to uv)."""
    import re

    def canonical(text: str) -> str:
        match = re.match(r"[A-Za-z0-9._-]+", text)
        name = match.group(0) if match else text
        return re.sub(r"[-_.]+", "-", name).lower() + text[len(name):].replace(" ", "")

    for arg in args:
        if canonical(arg) == canonical(culprit):
            return arg
    return culprit


def _unstaging(staged, final) -> list[tuple[bytes, bytes]]:
    """(staging path, final path) pairs to replace in uv's words, longest
    first: uv names the env it installs into (``Using Python 3.12.4
    environment at: PATH``), relative to the working directory when inside it,
    and the stage is envwrap's business: the user sees the env's real path."""
    if staged is None or final is None:
        return []
    staged, final = os.fspath(staged), os.fspath(final)
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    real_final = os.path.join(os.path.realpath(os.path.dirname(final)), os.path.basename(final))
    pairs = []
    for stage, dest in {(staged, final), (os.path.realpath(staged), real_final)}:
        pairs.append((stage, dest))
        if cwd is not None:
            for base in {cwd, os.path.realpath(cwd)}:
                rel = os.path.relpath(stage, base)
                if not rel.startswith(os.pardir):
                    shown = os.path.relpath(dest, base)
                    pairs.append((rel, dest if shown.startswith(os.pardir) else shown))
    return sorted({(os.fsencode(a), os.fsencode(b)) for a, b in pairs}, key=lambda p: -len(p[0]))


def _terminal() -> tuple[int, int] | None:
    """(master, slave) of a pseudo-terminal the size of the user's, when
    envwrap's stderr is a terminal (POSIX): uv draws its progress (spinners,
    bars) only on a terminal, as pip does on its own."""
    if os.name != "posix" or not os.isatty(2):
        return None
    try:
        import fcntl
        import pty
        import termios

        master, slave = pty.openpty()
    except (ImportError, OSError):
        return None
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, fcntl.ioctl(2, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        pass
    return master, slave


class _Relay:
    """Passes uv's bytes on to stderr as they come, with the stage's path
    replaced: a path split between two reads is held back until it is whole."""

    def __init__(self, replace: list[tuple[bytes, bytes]]):
        self.replace = replace
        self.held = b""
        self.said: list[bytes] = []

    def feed(self, data: bytes) -> None:
        data = self.held + data
        for stage, dest in self.replace:
            data = data.replace(stage, dest)
        keep = 0
        for stage, _ in self.replace:
            for size in range(min(len(stage) - 1, len(data)), keep, -1):
                if stage.startswith(data[-size:]):
                    keep = size
                    break
        self.held = data[len(data) - keep:] if keep else b""
        self.emit(data[:len(data) - keep])

    def close(self) -> None:
        self.emit(self.held)
        self.held = b""

    def emit(self, data: bytes) -> None:
        if data:
            os.write(sys.stderr.fileno(), data)
            self.said.append(data)

    def text(self) -> str:
        """What uv said, without a terminal's escape sequences."""
        import re

        plain = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", b"".join(self.said))
        return plain.replace(b"\r\n", b"\n").decode("utf-8", "replace")


def _base_for_prefix(layout) -> str | None:
    """The interpreter behind a new env's ``bin/python``, to query in its stead
    (see install_new); None where uv must query the env's own: on Windows (the
    launchers uv writes there hold their interpreter's path in a binary), for a
    copied interpreter, and for an env that sees its base's packages (uv then
    judges what is installed as for the env itself)."""
    if layout.windows:
        return None
    from envwrap.core.layout import read_cfg

    try:
        if read_cfg(layout.cfg).get("include-system-site-packages", "").lower() == "true":
            return None
    except (OSError, UnicodeError):
        return None
    base = os.path.realpath(layout.python)
    root = os.path.realpath(layout.root)
    if base.startswith(root + os.sep) or not os.access(base, os.X_OK):
        return None
    return base


def _trampoline(rest: bytes) -> tuple[str, str, bytes] | None:
    """(interpreter, its arguments, the script) from what follows a
    ``#!/bin/sh`` line, when it is the trampoline uv writes (as pip does) for
    an interpreter path a ``#!`` line cannot hold: an ``exec`` line (PYTHON
    ARGS, quoted for sh), then a line closing the Python string it opened."""
    import shlex

    second, sep, body = rest.partition(b"\n")
    line = os.fsdecode(second).rstrip("\r")
    head, tail = "'''exec' ", ' "$0" "$@"'
    if not (sep and line.startswith(head) and line.endswith(tail) and body.startswith(b"' '''")):
        return None
    try:
        words = shlex.split(line[len(head):-len(tail)])
    except ValueError:
        return None
    if not words:
        return None
    end = body.find(b"\n")
    return words[0], " ".join(shlex.quote(w) for w in words[1:]), body[end + 1:] if end >= 0 else b""


def _point_scripts(layout, base: str, final) -> None:
    """Make the scripts uv wrote run the env's own interpreter at its final
    place: a first line (``#!PYTHON``, or the ``/bin/sh`` trampoline for a path
    with spaces or too long for the kernel) naming ``base``, as uv writes it
    with ``--prefix``, or an interpreter in the stage, as a uv that took the
    prefix's own python would, becomes the env's; the rest stays as written."""
    from envwrap.core import atomicfile
    from envwrap.seeding.launchers import shebang

    stage = os.fspath(layout.root).rstrip(os.sep)
    python = os.path.join(os.fspath(final), os.path.relpath(layout.python, stage))

    def moved(interpreter: str) -> str | None:
        if interpreter == base:
            return python
        if interpreter.startswith(stage + os.sep):
            return os.fspath(final).rstrip(os.sep) + interpreter[len(stage):]
        return None

    try:
        entries = list(os.scandir(layout.bin_dir))
    except OSError:
        return
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_size > 4 << 20:
                continue
            with open(entry.path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        if not data.startswith(b"#!"):
            continue
        first, _, rest = data.partition(b"\n")
        interpreter, _, args = os.fsdecode(first[2:]).rstrip("\r").strip().partition(" ")
        if interpreter == "/bin/sh" and rest.startswith(b"'''exec' "):
            found = _trampoline(rest)
            if found is None:
                continue
            interpreter, args, rest = found
        target = moved(interpreter)
        if target is not None:
            atomicfile.replace(entry.path, os.fsencode(shebang(target, args.strip())) + rest, inside=stage)


def install_new(uv: str, layout, args: list[str], staged, final) -> bool:
    """``-i``/``-r`` into a new env still in its stage (``layout``), that will be
    ``final``; True when what uv wrote names the final env already (nothing to
    relocate), False when it names the stage (uv queried the stage's python:
    see _base_for_prefix). UserError when it fails."""
    from envwrap.core import staging

    base = _base_for_prefix(layout)
    if base is None:
        install(uv, layout.python, args, pass_fds=staging.child_fds(), staged=staged, final=final)
        return False
    install(uv, base, args, pass_fds=staging.child_fds(), staged=staged, final=final, prefix=layout.root)
    _point_scripts(layout, base, final)
    return True


def _shown(final) -> bytes:
    """The env's path as uv shows one: relative to the working directory when
    inside it."""
    final = os.fspath(final)
    try:
        rel = os.path.relpath(final, os.getcwd())
    except (OSError, ValueError):
        return os.fsencode(final)
    return os.fsencode(final if rel.startswith(os.pardir) else rel)


def _spawn(cmd: list[str], env: dict, err: int, pass_fds):
    """Start ``cmd`` (stdin /dev/null, stdout our stderr, stderr ``err``): a
    function that waits for it and gives its exit status (-N: killed by signal
    N). posix_spawn where there is one, which spares importing subprocess
    (uv sets its own signal dispositions, as any Rust program does)."""
    if not hasattr(os, "posix_spawn") or err < 3:
        import subprocess

        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=sys.stderr.fileno(), stderr=err,
                                env=env, pass_fds=pass_fds)
        return proc.wait
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_DUP2, sys.stderr.fileno(), 1), (os.POSIX_SPAWN_DUP2, err, 2)]
    kept = [fd for fd in pass_fds if not os.get_inheritable(fd)]
    for fd in kept:
        os.set_inheritable(fd, True)
    try:
        pid = os.posix_spawn(cmd[0], cmd, env, file_actions=actions)
    finally:
        for fd in kept:
            os.set_inheritable(fd, False)
    return lambda: os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def install(uv: str, python: str, args: list[str], pass_fds=(), staged=None, final=None,
            lock: bool = False, prefix=None) -> None:
    """``uv pip install --python PYTHON ARGS`` for an env being made in
    ``staged`` that will be ``final`` (with ``prefix``: ``--prefix PREFIX``,
    the stage, and PYTHON its base interpreter); UserError when it fails. uv's
    output reaches stderr as uv writes it (through a pseudo-terminal when
    stderr is a terminal, so that its progress shows as pip's does), with the
    staging path replaced by the env's own, and so is the base interpreter
    uv names with ``prefix``."""
    settings = pip_settings()
    if lock:
        settings.pop("constraint", None)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.setdefault("UV_LINK_MODE", "copy")  # never a file shared with uv's cache and other envs
    if settings.get("cert") and "SSL_CERT_FILE" not in env:
        env["SSL_CERT_FILE"] = settings["cert"]
    where = ["--prefix", os.fspath(prefix)] if prefix is not None else []
    cmd = [uv, "pip", "install", "--python", python, *where, *flags(settings), *args]
    replace = _unstaging(staged, final)
    if prefix is not None and final is not None:
        # "Using CPython 3.12.4 interpreter at: BASE": the env is where it installs.
        replace.insert(0, (b"interpreter at: " + os.fsencode(python), b"environment at: " + _shown(final)))
    relay = _Relay(replace)
    terminal = _terminal()
    if terminal:
        source, err = terminal
    else:
        source, err = os.pipe()
    sys.stderr.flush()
    try:
        wait = _spawn(cmd, env, err, pass_fds)
    except OSError as exc:
        os.close(source)
        os.close(err)
        raise UserError(f"cannot run {uv}: {exc.strerror}") from None
    os.close(err)
    try:
        while True:
            try:
                data = os.read(source, 65536)
            except OSError:  # EIO: the terminal's last writer is gone (Linux)
                break
            if not data:
                break
            relay.feed(data)
        relay.close()
    finally:
        os.close(source)
        status = wait()
    if status != 0:
        import shlex

        culprit = _culprit(relay.text())
        culprit = _as_typed(culprit, args) if culprit else None
        shown = " ".join(shlex.quote(a) for a in args)
        what = f"on {culprit}" if culprit else f"({shown})"
        raise UserError(f"uv pip install failed {what} (status {status}); "
                        "the environment was not created")
