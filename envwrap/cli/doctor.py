"""``envwrap doctor``: every problem envwrap can find, one line each."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from envwrap.core import home, staging
from envwrap.core.errors import UserError, one_line
from envwrap.env import registry

_SOURCES = {"variable": "from $WORKON_HOME", "config": "from the config file", "default": "the default"}


def _unused_locations(root: str, source: str) -> list[str]:
    """Environments in a place envwrap could have used but does not: the
    default ``~/.virtualenvs`` (when WORKON_HOME is elsewhere), the config
    file's workon_home when $WORKON_HOME overrides it, and the directory
    earlier envwrap releases used by default (``<user data dir>/envs``)."""
    old = home.old_default_workon_home()
    candidates = [home.default_workon_home(), old]
    if source == "variable":
        try:
            configured = home.config_path_value("workon_home")
        except UserError:
            configured = None
        if configured is not None:
            candidates.insert(0, configured)
    found = []
    seen = {os.path.realpath(root)}
    for place in candidates:
        if os.path.realpath(place) in seen or not os.path.isdir(place):
            continue
        seen.add(os.path.realpath(place))
        try:
            names = registry.listing(place)
        except UserError:
            continue
        count = len(names)
        if not count:
            continue
        some = f"{count} environment{'s' if count != 1 else ''} in {place}"
        if place == old:
            found.append(
                f"{some}, where earlier envwrap releases kept them by default; WORKON_HOME is now {root} "
                f"({_SOURCES[source]}): move each there and repair it, "
                + ("" if os.path.isdir(root) else f"mkdir -p {_q(root)} && ")
                + f"mv {_q(os.path.join(place, names[0]))} {_q(root)}/ && envwrap repair {_q(names[0])}"
                + (f" (and the same for {', '.join(names[1:])})" if count > 1 else "")
            )
            continue
        found.append(
            f"{some}, a location envwrap no longer "
            f"uses: WORKON_HOME is {root} ({_SOURCES[source]}); move them there, "
            f"or set WORKON_HOME to {place}"
        )
    return found


def _q(text: str) -> str:
    if os.name == "nt":  # pragma: no cover - Windows
        return f'"{text}"'
    import shlex

    return shlex.quote(text)


def _fix_leftovers(root: Path, fix: bool) -> list[str]:
    leftovers = staging.leftovers(root)
    if not fix:
        return [f"leftover of an interrupted operation: {p} (envwrap doctor --fix)" for p in leftovers]
    removed = staging.sweep(root) if leftovers else []
    if not leftovers:
        staging.sweep_locks(root)  # (free name lock files: not worth a line)
    found = [f"removed leftover {p}" for p in removed]
    found += [f"leftover of an interrupted operation: {p} could not be removed" for p in leftovers
              if p not in removed and os.path.lexists(p)]
    return found


def _unfinished_adoptions(root: Path, fix: bool) -> list[str]:
    """Sources an interrupted ``envwrap adopt`` left behind after the adopted
    env was whole (the next adopt would remove them too)."""
    from envwrap.env import adopt

    if fix:
        return [f"removed {src}, the source of an interrupted adoption (adopted whole)" for src in adopt.recover(root)]
    return [f"an interrupted adoption left its source: {src} (envwrap doctor --fix removes it)"
            for src in adopt.pending(root)]


def _unused_seed_zips(root: Path, fix: bool) -> list[str]:
    """Shared pip zips (seed_mode zip) that no env uses any more."""
    from envwrap.seeding import modes as seedmode

    found = []
    for path in seedmode.unused_zips(root, registry.listing(root)):
        if not fix:
            found.append(f"shared pip {path} is used by no environment (envwrap doctor --fix removes it)")
            continue
        try:
            path.unlink()
            found.append(f"removed shared pip {path}, used by no environment")
        except OSError as exc:
            found.append(f"shared pip {path} is used by no environment, and cannot be removed: {exc.strerror}")
    return found


def _left_tmpenvs(root: Path, names: list[str], fix: bool) -> list[str]:
    from envwrap.env import tmpenv
    from envwrap.env.lifecycle import remove

    found = []
    for name in names:
        if not tmpenv.shell_gone(os.path.join(root, name)):
            continue
        if not fix:
            found.append(f"temporary environment '{name}' was left behind by a shell that has exited "
                         "(envwrap doctor --fix removes it)")
            continue
        try:
            remove(name)
        except UserError as exc:
            found.append(f"temporary environment '{name}' was left behind, and cannot be removed: {exc}")
            continue
        if os.path.lexists(os.path.join(root, name)):
            found.append(f"temporary environment '{name}' was left behind, and could not be removed")
        else:
            found.append(f"removed temporary environment '{name}', left behind by a shell that has exited")
    return found


def _old_dot_venv(root: Path, names: list[str], fix: bool) -> list[str]:
    """Projects holding the ``.venv`` redirect file envwrap wrote before it
    wrote ``.python-envs``: --fix names the env in .python-envs and removes it."""
    from envwrap.env import projects as dotvenv
    from envwrap.env import pythonenvs

    found = []
    for name in names:
        env = os.path.join(root, name)
        project = registry.project_of(env)
        if project is None or not os.path.isdir(project) or not dotvenv.points_at(project, env):
            continue
        old = os.path.join(project, dotvenv.NAME)
        if not fix:
            found.append(f"environment '{name}': {old} is the redirect file envwrap used to write, which uv "
                         "follows (envwrap doctor --fix names the env in .python-envs instead)")
            continue
        try:
            pythonenvs.append(project, env)
            os.unlink(old)
        except (UserError, OSError) as exc:
            found.append(f"environment '{name}': {old} could not be replaced: {getattr(exc, 'strerror', None) or exc}")
            continue
        found.append(f"removed {old}, envwrap's old redirect file: '{name}' is the last line of "
                     f"{pythonenvs.file_of(project)} instead")
    return found


def problems(fix: bool = False, notes: list[str] | None = None) -> list[str]:
    """Every problem found, one line each; ``notes`` collects what is worth
    saying but is no problem (a fresh install)."""
    found: list[str] = []
    notes = [] if notes is None else notes
    shadow = foreign_envwrap_on_path()  # first: it matters before any environment exists
    if shadow:
        found.append(shadow)
    from envwrap.shells import writer  # files `envwrap init SHELL --write` wrote for another envwrap

    found += writer.stale()
    try:
        root_s, source = home.workon_home_source()
    except UserError as exc:
        return found + [str(exc)]
    root = Path(root_s)
    found += _unused_locations(root_s, source)
    if root.is_dir():
        names = registry.listing(root)
        for name in names:
            problem = registry.broken(os.path.join(root, name))
            if problem:
                found.append(f"environment '{name}' is broken: {problem} (envwrap repair {name}; "
                             f"if its Python version is gone: envwrap upgrade {name})")
            else:
                mismatch = registry.packages_mismatch(os.path.join(root, name))
                if mismatch:
                    found.append(f"environment '{name}': {mismatch}, so they cannot be imported "
                                 f"(rebuild it on its Python: envwrap upgrade {name})")
            project = registry.project_of(os.path.join(root, name))
            if project is not None and not os.path.isdir(project):
                found.append(f"environment '{name}': project {project} does not exist")
        found += _old_dot_venv(root, names, fix)
        found += _left_tmpenvs(root, names, fix)
        found += _unfinished_adoptions(root, fix)
        found += _fix_leftovers(root, fix)
        found += _unused_seed_zips(root, fix)
    elif os.path.lexists(root):
        found.append(f"WORKON_HOME {root} is not a directory (it is a file; remove it, or set WORKON_HOME "
                     "to a directory)")
    else:
        notes.append(f"WORKON_HOME {root} ({_SOURCES[source]}) does not exist yet: the next envwrap "
                     "command creates it")
    try:
        projects, project_source = home.project_home_source()
    except UserError as exc:
        found.append(str(exc))
        projects, project_source = None, "unset"
    if projects is not None and os.path.lexists(projects) and not os.path.isdir(projects):
        where = "$PROJECT_HOME" if project_source == "variable" else "project_home in the config file"
        found.append(f"PROJECT_HOME {projects} ({where}) is not a directory: mkproject needs one")
    elif projects is not None and not os.path.isdir(projects):
        where = "$PROJECT_HOME" if project_source == "variable" else "project_home in the config file"
        found.append(f"PROJECT_HOME {projects} ({where}) does not exist: mkproject needs it "
                     f"(create it with mkdir -p {projects})")
    hook_dir = Path(home.hook_dir())
    if os.path.lexists(hook_dir) and not hook_dir.is_dir():
        # WORKON_HOME itself (the default hook directory) is named above already
        if os.path.realpath(hook_dir) != os.path.realpath(root):
            found.append(f"hook directory {hook_dir} ($VIRTUALENVWRAPPER_HOOK_DIR) is not a directory")
    elif hook_dir.exists() and not os.access(hook_dir, os.W_OK | os.X_OK):
        found.append(f"hook directory {hook_dir} is not writable")
    for hook in ("premkvirtualenv", "prermvirtualenv", "postrmvirtualenv", "preactivate",
                 "precpvirtualenv", "premkproject", "get_env_details"):
        path = hook_dir / hook
        if path.is_file() and not os.access(path, os.X_OK):
            found.append(f"hook {path} is run as a program but is not executable (chmod +x)")
    loads = os.environ.get("ENVWRAP_LOADS", "")
    if loads.isdigit() and int(loads) > 1:
        found.append(f"envwrap was loaded {loads} times in this shell (check your rc files)")
    # An interactive zsh's hook says whether compinit ran (compdef exists):
    # without it zsh completes nothing, and says nothing about it.
    if os.environ.get("ENVWRAP_ZSH_COMPDEF") == "0":
        # zsh reads .zshrc from $ZDOTDIR when set (exported or not: the hook passes it)
        zdotdir = os.environ.get("ENVWRAP_ZDOTDIR") or os.environ.get("ZDOTDIR")
        zshrc = os.path.join(zdotdir, ".zshrc") if zdotdir else "~/.zshrc"
        found.append("zsh: TAB completion is off, because compinit has not run in this shell; "
                     f"add 'autoload -Uz compinit && compinit' to {zshrc}")
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
    notes: list[str] = []
    found = problems(fix, notes)
    for line in found:
        print(one_line(line))
    for line in notes:
        print(line, file=sys.stderr)
    if not found:
        print("no problems found", file=sys.stderr)
    return 1 if any(not line.startswith("removed ") for line in found) else 0



def report(fix: bool) -> tuple[dict, int]:
    """``envwrap doctor --json``: the problems :func:`run` prints, as records
    (``fixed``: what --fix just removed), and the status :func:`run` returns."""
    records = [{"message": line, "fixed": line.startswith("removed ")} for line in problems(fix)]
    ok = all(record["fixed"] for record in records)
    return {"ok": ok, "problems": records}, 0 if ok else 1


def cmd_doctor(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="envwrap doctor", description="List every problem envwrap can find.")
    parser.add_argument("--fix", action="store_true", help="remove leftovers of interrupted operations")
    parser.add_argument("--json", action="store_true", help="the problems as JSON (README: JSON output)")
    opts = parser.parse_args(args)
    if opts.json:
        from envwrap.cli.output import JSON_VERSION, _json

        found, status = report(fix=opts.fix)
        _json(dict({"version": JSON_VERSION}, **found))
        return status
    return run(fix=opts.fix)
