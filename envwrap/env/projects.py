"""The ``.venv`` *file* in a project directory: read, and kept true, no longer written.

An earlier draft of PEP 832 let a project point at its environment with a file
named ``.venv`` holding the environment's path (absolute, or relative to the
project); uv follows it too. virtualfish writes the same file with a bare
environment name. Both forms are read here. The draft of 2026-07-31 replaced it
by ``.python-envs`` (:mod:`envwrap.env.pythonenvs`), which envwrap writes now.

envwrap wrote one line, the env's absolute path; a ``.venv`` file holding
exactly an absolute path to an environment directly inside WORKON_HOME is taken
for envwrap's: removed with its env, retargeted when the env moves, and replaced
by a ``.python-envs`` line by ``envwrap doctor --fix``. A ``.venv`` directory (a
project-local environment) and any other file are never touched.
"""

from __future__ import annotations

import os

from envwrap.core import home

NAME = ".venv"


def _file(project) -> str:
    return os.path.join(os.fspath(project), NAME)


def _text(project) -> str | None:
    """The first line of the project's ``.venv`` file, stripped; None when there is
    no such file (a directory, nothing, or unreadable)."""
    path = _file(project)
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            line = fh.readline(4096)
    except (OSError, UnicodeError):
        return None
    return line.strip()


def read(project) -> str | None:
    """The environment directory that ``project/.venv`` names, or None: the
    directory itself when it is an environment, else the file's path (absolute,
    or relative to the project) or bare name (an env in WORKON_HOME)."""
    path = _file(project)
    if os.path.isdir(path):
        return path if os.path.isfile(os.path.join(path, "pyvenv.cfg")) else None
    text = _text(project)
    if not text:
        return None
    if os.path.isabs(text) or "/" in text or os.sep in text or text in (".", ".."):
        return os.path.normpath(os.path.join(os.fspath(project), text))
    return os.path.join(home.workon_home(), text)


def _ours(text: str | None) -> str | None:
    """The env's path when ``text`` is what envwrap writes (an absolute path to a
    directory directly inside WORKON_HOME), else None."""
    if not text or not os.path.isabs(text):
        return None
    root = os.path.normpath(home.workon_home())
    if os.path.dirname(os.path.normpath(text)) != root:
        return None
    return os.path.normpath(text)


def points_at(project, env) -> bool:
    """Whether ``project/.venv`` is envwrap's file for ``env``."""
    ours = _ours(_text(project))
    return ours is not None and ours == os.path.normpath(os.path.abspath(os.fspath(env)))


def _replace(path: str, line: str) -> None:
    """``path`` holds ``line`` and a newline, replaced atomically."""
    tmp = f"{path}.envwrap-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(line + "\n")
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def remove_if_ours(project, env) -> bool:
    """Remove ``project/.venv`` when it is envwrap's file for ``env``."""
    if not points_at(project, env):
        return False
    try:
        os.unlink(_file(project))
    except OSError:
        return False
    return True


def retarget(project, old, new) -> bool:
    """After ``old`` moved to ``new`` in WORKON_HOME: envwrap's ``project/.venv``
    for ``old`` names ``new``, and so does virtualfish's form (the bare name of
    ``old``), rewritten as the bare name of ``new``. Anything else is left."""
    if points_at(project, old):
        text = os.path.normpath(os.path.abspath(os.fspath(new)))
    elif project is None or _text(project) != os.path.basename(os.fspath(old)):
        return False
    else:
        text = os.path.basename(os.fspath(new))
    try:
        _replace(_file(project), text)
    except OSError:
        return False
    return True
