"""``envwrap doctor``: every problem envwrap can find, one line each."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from envwrap import envs, home, staging
from envwrap.errors import UserError


def problems(fix: bool = False) -> list[str]:
    found: list[str] = []
    shadow = foreign_envwrap_on_path()  # first: it matters before any environment exists
    if shadow:
        found.append(shadow)
    try:
        root = Path(home.workon_home())
    except UserError as exc:
        return found + [str(exc)]
    if not root.is_dir():
        found.append(f"WORKON_HOME {root} does not exist (it is created by the first mkvirtualenv)")
        return found
    legacy = Path.home() / ".virtualenvs"
    if not home.setting("WORKON_HOME") and legacy.is_dir() and legacy != root:
        found.append(f"WORKON_HOME is unset and {legacy} exists, but envwrap uses {root}")
    for name in envs.listing(root):
        problem = envs.broken(os.path.join(root, name))
        if problem:
            found.append(f"environment '{name}' is broken: {problem} (envwrap repair {name})")
        project = envs.project_of(os.path.join(root, name))
        if project is not None and not os.path.isdir(project):
            found.append(f"environment '{name}': project {project} does not exist")
    for leftover in staging.leftovers(root):
        if fix:
            staging.sweep(root)
            found.append(f"removed leftover {leftover}")
        else:
            found.append(f"leftover of an interrupted operation: {leftover} (envwrap doctor --fix)")
    hook_dir = Path(home.hook_dir())
    if hook_dir.exists() and not os.access(hook_dir, os.W_OK | os.X_OK):
        found.append(f"hook directory {hook_dir} is not writable")
    for hook in ("premkvirtualenv", "prermvirtualenv", "postrmvirtualenv", "preactivate",
                 "precpvirtualenv", "premkproject", "get_env_details"):
        path = hook_dir / hook
        if path.is_file() and not os.access(path, os.X_OK):
            found.append(f"hook {path} is run as a program but is not executable (chmod +x)")
    loads = os.environ.get("ENVWRAP_LOADS", "")
    if loads.isdigit() and int(loads) > 1:
        found.append(f"envwrap was loaded {loads} times in this shell (check your rc files)")
    return found


def foreign_envwrap_on_path() -> str | None:
    """A warning when the ``envwrap`` that PATH finds (what the init line in an
    rc file runs) is not this envwrap: the PyPI package named ``envwrap`` is an
    unrelated program that ships an ``envwrap`` command too, and its console
    script even looks like ours (``from envwrap.cli import main``). So: the very
    file that runs now costs nothing; anything else is asked ``--version``."""
    import shutil
    import subprocess

    from envwrap import __version__

    found = shutil.which("envwrap")
    if found is None:
        return None
    here = os.path.dirname(sys.executable)
    for mine in (sys.argv[0] if sys.argv else "", os.path.join(here, "envwrap"), os.path.join(here, "envwrap.exe")):
        try:
            if mine and os.path.samefile(found, mine):
                return None
        except OSError:
            continue
    try:
        proc = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=10,
                              stdin=subprocess.DEVNULL)
        answer = proc.stdout.strip() if proc.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError, UnicodeError):
        answer = ""
    if answer == f"envwrap {__version__}":
        return None
    if answer.startswith("envwrap ") and len(answer.split()) == 2:
        return (f"the envwrap on PATH ({found}) is another install ({answer}; this is {__version__}): "
                "your shell's init line loads that one")
    return (f"the envwrap on PATH ({found}) is not this envwrap but another program of that name "
            "(the PyPI package 'envwrap' is unrelated): uninstall it (pipx uninstall envwrap, or "
            "pip uninstall envwrap), then install this one, named envwrap-venv (README: Install)")


def run(fix: bool) -> int:
    found = problems(fix)
    for line in found:
        print(line)
    if not found:
        print("no problems found", file=sys.stderr)
    return 1 if any(not line.startswith("removed ") for line in found) else 0
