"""Jupyter kernels that follow an environment: the kernelspec envwrap writes
for an env into the user's Jupyter data directory, found again by the marker it
carries, moved with a rename and removed with the env.

Facts taken from Jupyter (jupyter_core.paths, jupyter_client.kernelspec):

- the user's data directory is ``$JUPYTER_DATA_DIR``, else (with
  ``JUPYTER_PLATFORM_DIRS`` set) platformdirs' user data dir, else
  ``~/Library/Jupyter`` on macOS, ``%APPDATA%\\jupyter`` on Windows (no APPDATA:
  ``$JUPYTER_CONFIG_DIR`` or ``~/.jupyter``, then ``data``), and
  ``$XDG_DATA_HOME/jupyter`` (default ``~/.local/share/jupyter``) elsewhere;
  user kernelspecs are ``kernels/<name>/kernel.json`` below it;
- a kernel's name is its directory's name, lowercased by Jupyter when it lists
  them, and valid when it is made of ``[a-z0-9._-]``.

A spec is envwrap's when its ``metadata`` holds :data:`MARKER` with the path
of the env it was written for; any other directory is someone else's and is
never written, moved or removed. No printing here (one note at most, through
``say``, where a rename or removal of the env goes on regardless), no argparse.
"""

from __future__ import annotations

import os
import sys

from envwrap.core.errors import UserError

MARKER = "envwrap"  # the key in kernel.json's metadata: {"environment": NAME, "path": ENV_DIR}
SPEC_FILE = "kernel.json"
_VALID = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
_MAX_SPEC = 1 << 20  # a kernel.json is a few hundred bytes; never read a huge one whole


def _truthy(variable: str) -> bool:
    """Jupyter's reading of a yes/no variable (jupyter_core.paths.envset)."""
    value = os.environ.get(variable)
    return value is not None and value.lower() not in ("no", "n", "false", "off", "0", "0.0")


def data_dir() -> str:
    """The user's Jupyter data directory, as Jupyter finds it."""
    if os.environ.get("JUPYTER_DATA_DIR"):
        return os.environ["JUPYTER_DATA_DIR"]
    appname = "Jupyter" if sys.platform in ("win32", "darwin") else "jupyter"
    if _truthy("JUPYTER_PLATFORM_DIRS"):
        import platformdirs

        return platformdirs.user_data_dir(appname, appauthor=False)
    home = os.path.realpath(os.path.expanduser("~"))
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Jupyter")
    if sys.platform == "win32":
        if os.environ.get("APPDATA"):
            return os.path.join(os.environ["APPDATA"], "jupyter")
        return os.path.join(os.environ.get("JUPYTER_CONFIG_DIR") or os.path.join(home, ".jupyter"), "data")
    return os.path.join(os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share"), "jupyter")


def kernels_dir() -> str:
    return os.path.join(data_dir(), "kernels")


def kernel_name(env_name: str) -> str:
    """The kernel (directory) name for an environment: the name itself when it is
    already a valid lowercase kernel name, else its letters, digits and ``._-``
    (other characters as ``-``) followed by 8 hex digits of the name's SHA-256, so
    that names differing only in case or in characters Jupyter refuses ('A b',
    'a-b', 'a b') never share a directory."""
    if env_name and all(ch in _VALID for ch in env_name) and not env_name.startswith("."):
        return env_name
    import hashlib

    chars = [ch.lower() if ch.isascii() and ch.lower() in _VALID else "-" for ch in env_name]
    slug = "".join(chars)
    while "--" in slug:
        slug = slug.replace("--", "-")
    slug = slug.strip("-.")[:64].rstrip("-.") or "env"
    return f"{slug}-{hashlib.sha256(env_name.encode('utf-8')).hexdigest()[:8]}"


def _same_env(a: str, b: str) -> bool:
    if os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b)):
        return True
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


class Spec:
    """One kernelspec directory: its kernel name, directory, what kernel.json
    says (None: no readable kernel.json), and envwrap's marker (None: not ours)."""

    __slots__ = ("name", "dir", "data", "marker")

    def __init__(self, name: str, directory: str, data: dict | None):
        self.name = name
        self.dir = directory
        self.data = data
        marker = (data.get("metadata") or {}).get(MARKER) if isinstance(data, dict) else None
        ok = isinstance(marker, dict) and isinstance(marker.get("path"), str)
        self.marker: dict | None = marker if ok else None

    @property
    def ours(self) -> bool:
        return self.marker is not None

    @property
    def env_path(self) -> str:
        return self.marker["path"] if self.marker else ""

    @property
    def env_name(self) -> str:
        name = self.marker.get("environment") if self.marker else None
        return name if isinstance(name, str) else os.path.basename(self.env_path)

    @property
    def python(self) -> str | None:
        argv = self.data.get("argv") if isinstance(self.data, dict) else None
        return argv[0] if isinstance(argv, list) and argv and isinstance(argv[0], str) else None

    def problem(self) -> str | None:
        """Why this kernel cannot start (None: nothing known against it)."""
        if not os.path.isfile(os.path.join(self.env_path, "pyvenv.cfg")):
            return f"its environment {self.env_path} is gone"
        if self.python is None or not os.path.exists(self.python):
            return f"its python {self.python} is missing"
        return None

    def as_dict(self) -> dict:
        """A kernel as ``envwrap kernel ls --json`` prints it."""
        return {"kernel": self.name, "directory": self.dir, "environment": self.env_name,
                "path": self.env_path, "python": self.python, "broken": self.problem()}


def _read(directory: str) -> dict | None:
    """kernel.json of a spec directory, or None when there is no readable one.
    Never follows a link at kernel.json, never blocks on a FIFO, never reads
    more than :data:`_MAX_SPEC`."""
    import json
    import stat

    path = os.path.join(directory, SPEC_FILE)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(_MAX_SPEC + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(raw) > _MAX_SPEC:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def spec(name: str) -> Spec | None:
    """The user kernelspec directory ``name``, or None when there is none."""
    directory = os.path.join(kernels_dir(), name)
    if not os.path.lexists(directory):
        return None
    return Spec(name, directory, _read(directory) if os.path.isdir(directory) else None)


def listing() -> list[Spec]:
    """envwrap's kernelspecs in the user's kernels directory, by name."""
    root = kernels_dir()
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for entry in entries:
        directory = os.path.join(root, entry)
        if os.path.isdir(directory) and not os.path.islink(directory):
            one = Spec(entry, directory, _read(directory))
            if one.ours:
                found.append(one)
    return found


def of_env(env_path) -> Spec | None:
    """envwrap's kernelspec for the environment at ``env_path``, if any."""
    env_path = os.fspath(env_path)
    for one in listing():
        if _same_env(one.env_path, env_path):
            return one
    return None


_INDEX: list[Spec] | None = None


def name_for(env_path) -> str | None:
    """The name of envwrap's kernel for the env at ``env_path`` (None: it has
    none), for listings: the kernels directory is read once per process."""
    global _INDEX
    if _INDEX is None:
        _INDEX = listing()
    env_path = os.fspath(env_path)
    return next((one.name for one in _INDEX if _same_env(one.env_path, env_path)), None)


def has_ipykernel(python: str) -> bool:
    """Whether ``python`` (an env's interpreter) can import ipykernel's launcher
    (one short process: the env's own import path decides, .pth files included)."""
    import subprocess

    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('ipykernel_launcher') is None)"
    try:
        return subprocess.run([python, "-I", "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def spec_data(env_name: str, env_path: str) -> dict:
    """kernel.json for an environment, as ``python -m ipykernel install`` writes
    one (argv, display_name, language, metadata), with the env's own interpreter
    (not its base: sys.prefix is then the env) and envwrap's marker."""
    from envwrap.core.layout import Layout

    layout = Layout.of(env_path)
    version = layout.cfg_version()
    return {
        "argv": [layout.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python {version} ({env_name})" if version else f"Python ({env_name})",
        "language": "python",
        "metadata": {MARKER: {"environment": env_name, "path": env_path}},
    }


def _refuse_foreign(existing: Spec, env_path: str) -> None:
    if not existing.ours:
        raise UserError(f"kernel '{existing.name}' in {kernels_dir()} was not written by envwrap; "
                        "left alone (remove or rename it yourself to use that name)")
    if not _same_env(existing.env_path, env_path):
        raise UserError(f"kernel '{existing.name}' in {kernels_dir()} is envwrap's for {existing.env_path}; "
                        "left alone (envwrap kernel rm its environment first)")


def check_writable() -> str:
    """The kernels directory, made if needed, once a file could be made (and
    removed) in it: checked before anything is installed for a kernel."""
    root = kernels_dir()
    probe = os.path.join(root, f".envwrap-probe-{os.urandom(4).hex()}")
    try:
        os.makedirs(root, exist_ok=True)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
        os.unlink(probe)
    except OSError as exc:
        raise UserError(f"cannot write kernelspecs in {exc.filename or root}: {exc.strerror or exc}") from None
    return root


def _write(name: str, data: dict, env_path: str) -> str:
    """Write kernel.json into kernels/NAME (made when missing), refusing a
    directory that is not envwrap's for this env. The file appears whole (a new
    file renamed over the old one), never written through a link."""
    import json

    from envwrap.core import atomicfile

    root = kernels_dir()
    directory = os.path.join(root, name)
    existing = spec(name)
    if existing is not None:
        if os.path.islink(directory) or not os.path.isdir(directory):
            raise UserError(f"{directory} is not a kernelspec directory; left alone")
        if existing.data is not None or os.listdir(directory):
            _refuse_foreign(existing, env_path)
        # else: an empty directory (a write killed before its file): reused
    try:
        os.makedirs(root, exist_ok=True)
        os.makedirs(directory, exist_ok=True)
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        atomicfile.replace(os.path.join(directory, SPEC_FILE), text, inside=directory)
    except OSError as exc:
        where = exc.filename or directory
        raise UserError(f"cannot write the kernelspec in {where}: {exc.strerror or exc}") from None
    return directory


def add(env_name: str, env_path: str) -> str:
    """Write (or rewrite) the environment's kernelspec; its directory."""
    env_path = os.path.abspath(os.fspath(env_path))
    current = of_env(env_path)
    name = kernel_name(env_name)
    directory = _write(name, spec_data(env_name, env_path), env_path)
    if current is not None and current.name != name:
        _delete(current)  # written under another name (the env was renamed by hand)
    return directory


def _delete(one: Spec) -> None:
    """Remove one of envwrap's spec directories: kernel.json first (the kernel is
    gone from Jupyter's list at once), then the directory with what is left."""
    import shutil

    try:
        os.unlink(os.path.join(one.dir, SPEC_FILE))
        shutil.rmtree(one.dir)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise UserError(f"cannot remove the kernelspec {one.dir}: {exc.strerror or exc}") from None


def remove(env_path) -> Spec | None:
    """Remove envwrap's kernelspec for the environment at ``env_path``; the
    spec removed, or None when there was none."""
    one = of_env(env_path)
    if one is not None:
        _delete(one)
    return one


def follow_move(old_path, new_name: str, new_path) -> None:
    """After ``old_path`` was renamed to ``new_path``: its kernelspec, if any,
    names the new env (interpreter, display name, directory). The env is moved
    already, so a failure is a note, never an error."""
    from envwrap.core.errors import say

    try:
        one = of_env(old_path)
        if one is None:
            return
        directory = _write(kernel_name(new_name), spec_data(new_name, os.fspath(new_path)), os.fspath(new_path))
        if os.path.normcase(directory) != os.path.normcase(one.dir):
            _delete(one)
    except UserError as exc:
        say(f"envwrap: note: the environment's Jupyter kernel did not follow: {exc}")


def forget(env_path) -> None:
    """After the env at ``env_path`` is removed: its kernelspec goes too (a
    failure is a note: the env is gone already)."""
    from envwrap.core.errors import say

    try:
        remove(env_path)
    except UserError as exc:
        say(f"envwrap: note: {exc}")


def after_creation(env_name: str, env_path) -> None:
    """A new env at ``env_path`` (made, imported or rebuilt by an upgrade): a
    kernelspec envwrap wrote for that path is rewritten (its display name
    names the Python now there), else, with the ``register_kernel`` setting,
    an env that has ipykernel gets its kernel. A failure is a note: the env is
    made."""
    from envwrap.core import home
    from envwrap.core.errors import say
    from envwrap.core.layout import Layout

    env_path = os.fspath(env_path)
    try:
        if of_env(env_path) is not None:
            add(env_name, env_path)
        elif home.value("register_kernel")[0] is True and has_ipykernel(Layout.of(env_path).python):
            add(env_name, env_path)
    except UserError as exc:
        say(f"envwrap: note: no Jupyter kernel for '{env_name}': {exc}")
