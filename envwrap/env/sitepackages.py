"""An environment's site-packages, and the extra import paths add2virtualenv
keeps there in virtualenvwrapper's ``.pth`` file."""

from __future__ import annotations

import os

from envwrap.core.errors import UserError
from envwrap.core.layout import Layout, read_text


def site_packages(env) -> str:
    sp = Layout.of(env).site_packages()
    if sp is None:
        raise UserError(f"{env} has no site-packages directory")
    return sp


PATH_EXTENSIONS = "_virtualenv_path_extensions.pth"


# The first and last lines of virtualenvwrapper's PATH_EXTENSIONS file, byte for
# byte, so that either tool reads what the other wrote. site.py runs them as
# code: the first notes where sys.path ends, the paths in between are appended
# by site.py, and the last moves them to the front of sys.path (before
# site-packages and the standard library), so a source tree shadows an
# installed copy of the same package.
PTH_FIRST = "import sys; sys.__plen = len(sys.path)"


PTH_LAST = ("import sys; new=sys.path[sys.__plen:]; del sys.path[sys.__plen:]; "
            "p=getattr(sys,'__egginsert',0); sys.path[p:p]=new; sys.__egginsert = p+len(new)")


def extensions_file_lines(sp: str) -> list[str] | None:
    """Every line of the PATH_EXTENSIONS file in site-packages directory ``sp``,
    as lssitepackages shows it (site.py's code lines included), or None when
    there is no such file."""
    extra = os.path.join(sp, PATH_EXTENSIONS)
    if not os.path.isfile(extra):
        return None
    try:
        return read_text(extra, 16 << 20).splitlines()
    except (OSError, UnicodeError) as exc:
        raise UserError(f"cannot read {extra}: {getattr(exc, 'strerror', None) or exc}") from None


def path_entries(env) -> list[str]:
    """The directories add2virtualenv put on the env's import path, first first."""
    pth = os.path.join(site_packages(env), PATH_EXTENSIONS)
    try:
        lines = read_text(pth, 16 << 20).splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeError) as exc:
        raise UserError(f"cannot read {pth}: {getattr(exc, 'strerror', None) or exc}") from None
    # site.py's rules: "import" lines are code, "#" lines comments, blank lines nothing.
    return [line.rstrip() for line in lines
            if line.strip() and not line.startswith(("import ", "import\t", "#"))]


def add_paths(env, dirs: list[str], delete: bool) -> list[str]:
    """add2virtualenv: keep extra import paths in virtualenvwrapper's .pth file.

    A new directory goes first (as virtualenvwrapper inserts it), and may not
    exist yet (site.py skips it until it does; a warning says so). ``delete``
    removes an entry whether or not its directory still exists.
    """
    from envwrap.core.staging import EnvLock

    with EnvLock(env):  # read, change and write back as one step
        return _add_paths(env, dirs, delete)


def _add_paths(env, dirs: list[str], delete: bool) -> list[str]:
    from envwrap.core.errors import say

    pth = os.path.join(site_packages(env), PATH_EXTENSIONS)
    entries = path_entries(env)
    for d in dirs:
        path = os.path.abspath(os.path.expanduser(d))
        if any(c in path for c in "\n\r\0"):
            raise UserError("paths cannot contain a newline or NUL")
        if path != path.strip():
            raise UserError(f"'{d}': site.py strips whitespace at the ends of a path, so this one cannot work")
        if delete:
            if path in entries:
                entries.remove(path)
            else:
                say(f"envwrap: warning: {path} was not on the import path")
        elif path not in entries:
            if not os.path.exists(path):
                say(f"envwrap: warning: {path} does not exist (yet); added, and used once it exists")
            entries.insert(0, path)
    if not entries:
        try:
            os.unlink(pth)
        except FileNotFoundError:
            pass
        return entries
    from envwrap.core import atomicfile

    atomicfile.replace(pth, "".join(line + "\n" for line in (PTH_FIRST, *entries, PTH_LAST)), inside=env)
    return entries
