"""Laying out a venv environment without importing ``venv`` each time.

``import venv`` plus ``EnvBuilder.create`` costs about 30 ms of every
``mkvirtualenv``; the result for one interpreter is always the same handful of
directories, links and one pyvenv.cfg, with only the env's path (and its prompt)
differing. So venv itself runs once per interpreter and set of options, into a
scratch directory of envwrap's cache (``layout/v1-<key>/``), and every later env
is a replay of that tree: directories, links, the interpreter copies of
``--copies``, ``activate.csh`` and pyvenv.cfg, with the scratch path and prompt
replaced by the env's own. What results is what venv makes, byte for byte
(tests/seeding/test_venvlayout.py compares the two), for whatever layout that Python's
venv has (``lib64``, ``include/pythonX.Y``, the ``.gitignore`` of 3.13, ...).

The key names the interpreter (its path, and the size and modification time of
the file it resolves to: a Python upgraded in place gets a new template), the
options (``--copies``, ``--system-site-packages``), and for envwrap's own Python
the interpreter running envwrap (venv writes ``sys.executable`` into
``command``). Anything unusual (Windows, a cache that cannot be written, venv
failing) makes :func:`create` return False, and the caller runs venv as before,
which then reports its own error.
"""

from __future__ import annotations

import os
import sys

# The activate scripts that envwrap writes itself (envwrap.shells.activate); venv's
# activate.csh is kept, as venv writes it.
_OWN_SCRIPTS = ("activate", "activate.fish", "Activate.ps1")
# A prompt no one types: replaced by the env's prompt at each replay.
_TOKEN = "envwrap-prompt-9c1f27d4"
_VERSION = "v1"


def _cache_dir() -> str:
    from envwrap.core import home

    return os.path.join(home.cache_dir(), "layout")


def _key(python: str | None, copies: bool, system_site: bool) -> str | None:
    interpreter = python or getattr(sys, "_base_executable", None) or sys.executable
    try:
        st = os.stat(interpreter)
        with open(interpreter, "rb") as fh:
            if fh.read(2) == b"#!":
                return None  # a script (a pyenv shim): what it runs can change under the same file
    except OSError:
        return None
    parts = [_VERSION, interpreter, os.path.realpath(interpreter), str(st.st_size), str(st.st_mtime_ns),
             "copies" if copies else "symlinks", "system" if system_site else "isolated"]
    if python is None:
        parts += [sys.executable, "own"]
    from envwrap.core.names import digest

    return digest("\0".join(parts), 24)


def _build(template: str, python: str | None, copies: bool, system_site: bool) -> bool:
    """Run venv once into ``template``/env (made under a scratch name, then
    renamed into place). False when venv fails."""
    import shutil
    import uuid

    scratch = f"{template}.build-{uuid.uuid4().hex[:8]}"
    # Named as the prompt token: venv's default prompt is the directory's name.
    env = os.path.join(scratch, _TOKEN)
    try:
        os.makedirs(scratch)
        if python is None:
            import venv

            venv.EnvBuilder(system_site_packages=system_site, symlinks=not copies, with_pip=False,
                            prompt=_TOKEN).create(env)
        else:
            import subprocess

            cmd = [python, "-m", "venv", "--without-pip", *(["--copies"] if copies else [])]
            if system_site:
                cmd.append("--system-site-packages")
            environ = dict(os.environ)
            environ.pop("VIRTUAL_ENV", None)
            environ.pop("PYTHONPATH", None)
            proc = subprocess.run([*cmd, env], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL, env=environ)
            if proc.returncode != 0:
                return False
        bin_dir = os.path.join(env, "bin")
        if not os.path.isfile(os.path.join(env, "pyvenv.cfg")) or not os.path.isdir(bin_dir):
            return False
        for name in _OWN_SCRIPTS:
            try:
                os.unlink(os.path.join(bin_dir, name))
            except FileNotFoundError:
                pass
        with open(os.path.join(scratch, "source"), "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(env)
        try:
            os.rename(scratch, template)
        except OSError:
            return os.path.isdir(template)  # another process made it first
        return True
    except Exception:  # noqa: BLE001 - any trouble here: venv runs as before
        return False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _replay(template: str, target: str, prompt: str | None, final: str | None = None) -> None:
    """Make ``target`` what venv made in the template, for ``final`` (where the
    env will live; default ``target``)."""
    from envwrap.core.files import copy_file

    with open(os.path.join(template, "source"), encoding="utf-8", errors="surrogateescape") as fh:
        source = fh.read()
    src_root = os.path.join(template, _TOKEN)
    final = final or target
    old_b, new_b = os.fsencode(source), os.fsencode(final)
    shown = os.fsencode(os.path.basename(final)) if prompt is None else prompt.encode("utf-8", "surrogateescape")
    swaps = [(old_b, new_b), (repr(_TOKEN).encode(), repr(os.fsdecode(shown)).encode("utf-8", "surrogateescape")),
             (_TOKEN.encode(), shown)]

    def substitute(data: bytes) -> bytes:
        for old, new in swaps:
            data = data.replace(old, new)
        return data

    os.mkdir(target)
    for dirpath, dirnames, filenames in os.walk(src_root):
        rel = dirpath[len(src_root):]
        here = target + rel
        for name in dirnames + filenames:
            src = os.path.join(dirpath, name)
            dst = os.path.join(here, name)
            if os.path.islink(src):
                link = os.readlink(src)
                os.symlink(os.fsdecode(substitute(os.fsencode(link))), dst)
            elif name in dirnames:
                os.mkdir(dst)
            elif os.path.getsize(src) < 1 << 20:
                with open(src, "rb") as fh:
                    data = fh.read()
                fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, os.stat(src).st_mode & 0o777)
                try:
                    os.write(fd, substitute(data))
                finally:
                    os.close(fd)
            else:  # an interpreter copy (--copies): no path inside to replace
                copy_file(src, dst)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]


def create(target, python: str | None, copies: bool, system_site: bool, prompt: str | None,
           final=None) -> bool:
    """Make a venv environment at ``target`` (which must not exist) for
    ``python`` (None: envwrap's own, with ``prompt``; another interpreter gets
    no prompt line, as from ``python -m venv``), naming ``final`` (where it
    will be moved; default ``target``) wherever venv names the env's path.
    False when this cannot be done here; nothing is left at ``target`` then."""
    target = os.path.abspath(os.fspath(target))
    final = os.path.abspath(os.fspath(final)) if final is not None else None
    if os.name == "nt" or os.pathsep in target or os.pathsep in (final or "") or os.path.lexists(target):
        return False
    key = _key(python, copies, system_site)
    if key is None:
        return False
    template = os.path.join(_cache_dir(), f"{_VERSION}-{key}")
    if not os.path.isfile(os.path.join(template, "source")):
        try:
            os.makedirs(os.path.dirname(template), exist_ok=True)
        except OSError:
            return False
        if not _build(template, python, copies, system_site):
            return False
    try:
        _replay(template, target, prompt if python is None else None, final)
    except OSError:
        from envwrap.core.files import rmtree_here

        rmtree_here(target)
        return False
    return True
