"""Which project directories may activate their environment on cd (``envwrap allow``).

Auto-activation runs code: the env's activate script, its ``bin/preactivate`` and
``bin/postactivate`` hooks. A directory the user merely entered (a fresh clone,
an unpacked archive) must not choose that code. So, as direnv asks for
``direnv allow``, auto-activation activates by itself only what the user made:

- a ``.python-envs`` default, a ``.venv`` *file* or a ``.python-version`` naming
  an environment directly inside WORKON_HOME (by its bare name or its path): the
  env is the user's own, whoever wrote the file;

and anything else only after ``envwrap allow DIR``:

- a ``.venv`` *directory* (an environment inside the project, which came with
  it), also when it is the default of a ``.python-envs`` beside it,
- a ``.python-envs`` default or a ``.venv`` file naming an environment anywhere else.

(The markers and their order: :mod:`envwrap.env.discovery`.)

An allowance is recorded with the marker's identity: the marker file's content
(for a directory, its ``pyvenv.cfg``), and the environment it leads to (real path,
device and inode, ``pyvenv.cfg`` content). A different marker, a replaced or
re-created environment, or another environment named by the same file asks
again. The list lives in envwrap's data directory (``$XDG_DATA_HOME/envwrap/
allowed.json`` on Linux), rewritten whole by a rename, so that a reader never
sees half a file. ``workon .`` is consent by itself and needs no allowance.

The check runs inside the one backend call that an activation makes anyway
(``envwrap sh SHELL auto``): the prompt hook itself stays free of processes.
"""

from __future__ import annotations

import os

from envwrap.core import home
from envwrap.core.errors import UserError

_CAP = 64 * 1024  # what is read of a marker or a pyvenv.cfg (each is a few lines)
NOT_ALLOWED = 3  # the exit status of an auto call refused for want of an allowance


def list_path() -> str:
    """``allowed.json`` in envwrap's data directory."""
    base = home._xdg_base("XDG_DATA_HOME", os.path.join(".local", "share"))
    if base is None:
        import platformdirs

        base = platformdirs.user_data_dir(home.APP, appauthor=False)
    return os.path.join(base, "allowed.json")


def _read_capped(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(_CAP)
    except OSError:
        return None


def find(start: str):
    """The nearest marker at or above ``start`` (:func:`envwrap.env.discovery.find`),
    or None; a .python-envs that cannot be used counts as none here."""
    from envwrap.env import discovery

    try:
        return discovery.find(start)
    except UserError:
        return None


def _at(where: str):
    from envwrap.env import discovery

    try:
        return discovery.at(where)
    except UserError:
        return None


def in_workon_home(env: str) -> bool:
    """Whether ``env`` is directly inside WORKON_HOME (an env the user made)."""
    try:
        root = os.path.normpath(home.workon_home())
    except UserError:
        return False
    env = os.path.normpath(os.path.abspath(env))
    if os.path.basename(env).startswith("."):
        return False
    parent = os.path.dirname(env)
    return parent == root or os.path.realpath(parent) == os.path.realpath(root)


def needs_allow(found) -> bool:
    """Whether activating what ``found`` (a discovery.Found) names needs an allowance."""
    from envwrap.env import discovery

    return found.kind == discovery.VENV_DIR or not in_workon_home(found.env)


def identity(where: str) -> str | None:
    """A digest of the marker at ``where`` and what it leads to, or None when it
    leads nowhere (no marker, or no environment there)."""
    import hashlib

    found = _at(where)
    if found is None:
        return None
    try:
        st = os.stat(found.env)
    except OSError:
        return None
    cfg = _read_capped(os.path.join(found.env, "pyvenv.cfg"))
    if cfg is None:
        return None
    digest = hashlib.sha256()
    kind = found.kind.encode()
    content = b"" if os.path.isdir(found.marker) else (_read_capped(found.marker) or b"")
    for part in (kind, content, os.path.realpath(found.env).encode("utf-8", "surrogateescape"),
                 f"{st.st_dev}:{st.st_ino}".encode(), cfg):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _key(where: str) -> str:
    return os.path.realpath(where)


def load() -> dict[str, str]:
    """The allowances: the real path of each directory -> its marker's identity."""
    import json

    data = _read_capped_all(list_path())
    if data is None:
        return {}
    try:
        parsed = json.loads(data)
    except ValueError:
        raise UserError(f"{list_path()} is not envwrap's list of allowed directories; "
                        "move it away (envwrap allow starts a new one)") from None
    allowed = parsed.get("allowed") if isinstance(parsed, dict) else None
    if not isinstance(allowed, dict):
        return {}
    return {k: v for k, v in allowed.items() if isinstance(k, str) and isinstance(v, str)}


def _read_capped_all(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(16 * 1024 * 1024 + 1)
    except FileNotFoundError:
        return None
    if len(data) > 16 * 1024 * 1024:
        raise UserError(f"{path} is larger than 16 MiB: not envwrap's list of allowed directories")
    return data


def _save(allowed: dict[str, str]) -> None:
    """Replace the list: a new file beside it, renamed over it."""
    import json

    path = list_path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    text = json.dumps({"version": 1, "allowed": dict(sorted(allowed.items()))}, indent=1, ensure_ascii=False)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with open(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def _locked(change):
    """Run ``change(allowed)`` on the list under a lock, and save it."""
    import fcntl

    path = list_path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        allowed = load()
        result = change(allowed)
        _save(allowed)
        return result
    finally:
        os.close(fd)


def is_allowed(where: str) -> bool:
    wanted = identity(where)
    return wanted is not None and load().get(_key(where)) == wanted


def check_auto(found, shell, quiet: bool = False) -> None:
    """Refuse (status NOT_ALLOWED) to auto-activate what ``found`` (a
    discovery.Found) names unless the user made it or allowed it; ``quiet``:
    the shell said so before."""
    if not needs_allow(found):
        return
    if is_allowed(found.root):
        return
    if quiet:
        raise SystemExit(NOT_ALLOWED)
    changed = _key(found.root) in load()
    why = "changed since you allowed it" if changed else "was neither made nor allowed by you"
    raise UserError(f"{found.marker} {why}; not activated "
                    f"(to allow it: envwrap allow {_shown(found.root, shell)})", NOT_ALLOWED)


def _shown(path: str, shell) -> str:
    """``path`` quoted for ``shell`` (its descriptor), for a command to type."""
    try:
        return shell.quote(path)
    except (KeyError, ValueError):
        from envwrap.shells.posix import quote as posix

        return posix(path)


def allow(where: str) -> tuple[str, str, bool]:
    """Record ``where``'s marker (the nearest at or above it). Returns the
    marker, the env, and whether an allowance was needed at all."""
    from envwrap.env import discovery

    found = discovery.find(where)  # a .python-envs that cannot be used: its one line
    if found is None:
        raise UserError(f"nothing in {where} or above it names an environment (.python-envs, .venv, "
                        ".python-version): nothing to allow")
    root, target = found.root, found.env
    if identity(root) is None:
        raise UserError(f"{found.marker} names {target}, which is not an environment")
    if not needs_allow(found):
        return found.marker, target, False

    def add(allowed: dict[str, str]) -> None:
        allowed[_key(root)] = identity(root) or ""

    _locked(add)
    return found.marker, target, True


def revoke(where: str) -> list[str]:
    """Forget ``where`` (and, when it has none, the nearest allowed directory above it)."""
    start = _key(where)

    def drop(allowed: dict[str, str]) -> list[str]:
        here = start
        while True:
            if here in allowed:
                del allowed[here]
                return [here]
            parent = os.path.dirname(here)
            if parent == here:
                return []
            here = parent

    return _locked(drop)


def listing() -> list[tuple[str, str]]:
    """(directory, state) for each allowance: allowed, changed, or gone."""
    rows = []
    for where, recorded in sorted(load().items()):
        now = identity(where) if os.path.isdir(where) else None
        rows.append((where, "allowed" if now == recorded else ("gone" if now is None else "changed")))
    return rows
