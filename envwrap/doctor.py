"""``envwrap doctor``: every problem envwrap can find, one line each."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from envwrap import envs, home, staging
from envwrap.errors import UserError, one_line


def problems(fix: bool = False) -> list[str]:
    found: list[str] = []
    try:
        root = Path(home.workon_home())
    except UserError as exc:
        return [str(exc)]
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


def run(fix: bool) -> int:
    found = problems(fix)
    for line in found:
        print(one_line(line))
    if not found:
        print("no problems found", file=sys.stderr)
    return 1 if any(not line.startswith("removed ") for line in found) else 0
