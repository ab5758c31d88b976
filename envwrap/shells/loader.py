"""``envwrap init SHELL``: the code that loads envwrap into a shell.

The output is a short preamble of values (the absolute path of the envwrap
command, baked in so an active environment's PATH cannot swap it; the resolved
WORKON_HOME and where it came from, so that completion needs no Python)
followed by the shell's static hook file ``envwrap/shells/<name>/envwrap.<ext>``.
Writing that output to a file once and sourcing the file from the rc file loads
envwrap with no Python at start-up; the first command that asks the backend
brings the WORKON_HOME values up to date.
"""

from __future__ import annotations

import os
import sys

from envwrap.core.errors import UserError

TYPE_CHECKING = False  # not typing's: importing typing costs a third of a Python start
if TYPE_CHECKING:
    from pathlib import Path


# `envwrap init` runs at every shell start-up that evals it: its path uses
# os.path, not pathlib (whose import costs about half a Python start).
def _shell_path(shell: str) -> str:
    from envwrap.shells import get

    path = get(shell).hook_file()
    if not os.path.isfile(path):
        raise UserError("cannot find envwrap's shell files; reinstall envwrap")
    return path


def shell_file(shell: str) -> Path:
    from pathlib import Path

    return Path(_shell_path(shell))


def shell_name(requested: str | None) -> str:
    from envwrap import shells

    if requested:
        shell = shells.canonical(requested)
        if shell is None:
            raise UserError(f"unknown shell '{requested}' (bash, zsh, fish, powershell)", 2)
        return shell
    found = detected()
    shell = shells.canonical(found[0][0] if found else "")
    if shell is None:
        raise UserError("cannot tell which shell this is; name it: envwrap init bash|zsh|fish|powershell", 2)
    return shell


def detected() -> list[tuple[str, str]]:
    """The shell this process runs in, as (name, path) guesses, best first: the
    parent process that shellingham finds, then the login shell ($SHELL). Used by
    ``envwrap init`` (the first guess) and ``envwrap shell`` (the first usable one)."""
    found = []
    try:
        import shellingham

        found.append(tuple(shellingham.detect_shell()))
    except Exception:  # shellingham raises its own ShellDetectionFailure, or OSError reading /proc
        pass
    login = os.environ.get("SHELL", "")
    if login:
        found.append((os.path.basename(login), login))
    return found


def executable() -> str:
    """Absolute path of the ``envwrap`` command that the shell hooks will call."""
    names = ("envwrap", "envwrap.exe")
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) in names and os.path.isfile(argv0):
        return os.path.abspath(argv0)
    beside = os.path.dirname(sys.executable)
    for name in names:
        if os.path.isfile(os.path.join(beside, name)):
            return os.path.join(beside, name)
    import shutil

    found = shutil.which("envwrap")
    if found:
        return os.path.abspath(found)
    raise UserError("cannot find the envwrap command; install envwrap with pip or pipx")


# The modules envwrap imports from its dependencies (pyproject.toml), and the
# Python before which each is needed.
_DEPENDENCIES = (("platformdirs", None), ("shellingham", None), ("tomli_w", None), ("tomli", (3, 11)))
# The word envwrap.hookstart reads (its SYS_PATH_WORD, not imported: `envwrap
# init` runs at shell start-up and imports no module it can do without).
SYS_PATH_WORD = "--sys-path="


def _site_words(parent: str, skip: set[str]) -> list[str] | None:
    """The ``--sys-path=DIR`` words for a backend started with -S (see
    envwrap.hookstart): the entries of this process's sys.path, in its order,
    that the backend needs and site would have added: every site-packages (or
    dist-packages) directory, where envwrap looks for the pip installed beside
    it (envwrap.seeding.sources), envwrap's parent, and the directory each
    dependency is in. Entries in ``skip`` (PYTHONPATH's, the user site's),
    which an isolated start never sees, are left out. None when a dependency
    is in no directory left (a .pth file's import hook, or one of those,
    finds it): that start needs site."""
    entries = [e for e in dict.fromkeys(os.path.abspath(p) for p in sys.path if p) if e not in skip]
    wanted = {parent} | {e for e in entries if os.path.basename(e) in ("site-packages", "dist-packages")}
    for name, before in _DEPENDENCIES:
        if before is not None and sys.version_info >= before:
            continue
        found = next((e for e in entries if os.path.isfile(os.path.join(e, name, "__init__.py"))
                      or os.path.isfile(os.path.join(e, name + ".py"))), None)
        if found is None:
            return None
        wanted.add(found)
    return [SYS_PATH_WORD + e for e in entries if e in wanted]


def command(shell: str) -> list[str]:
    """The words that start the backend from a shell hook.

    bash, zsh and fish get ``python -I -S .../envwrap/__main__.py
    --sys-path=DIR ...``: isolated mode keeps the current directory, the
    script's directory and PYTHONPATH out of sys.path (nothing in the user's
    directory can stand in for envwrap's modules), and it skips the console
    script's own imports; -S skips the site module (a third of a Python start),
    and the directories it would have added that envwrap needs follow the
    script's path (:func:`_site_words`). That needs envwrap installed where an
    isolated Python finds it, i.e. not in the user site and not through
    PYTHONPATH; otherwise, and for PowerShell (whose hook sets
    PYTHONIOENCODING, which -I would ignore), the console script is used.
    When a dependency is found only by site's work (an import hook in a .pth
    file), the start keeps site: ``python -I .../envwrap/__main__.py``.
    """
    exe = executable()
    if shell == "powershell":
        return [exe]
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # envwrap/
    parent = os.path.dirname(package)
    from_env = {os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    import site

    user_site = getattr(site, "USER_SITE", None)
    in_user_site = bool(user_site) and (parent + os.sep).startswith(os.path.abspath(user_site) + os.sep)
    on_path = parent in {os.path.abspath(p) for p in sys.path if p}
    if on_path and parent not in from_env and not in_user_site and os.path.isabs(sys.executable):
        main = os.path.join(package, "__main__.py")
        words = _site_words(parent, from_env | ({os.path.abspath(user_site)} if user_site else set()))
        if words is None:
            return [sys.executable, "-I", main]
        return [sys.executable, "-I", "-S", main, *words]
    return [exe]


def auto_enabled() -> bool:
    """``auto_activate`` in the config file (off unless set to true)."""
    from envwrap.core import home

    try:
        return home.value("auto_activate")[0] is True
    except UserError:
        return False


def preamble(shell: str, auto: bool = False) -> str:
    from envwrap.core import home
    from envwrap.shells import get as _shell

    q = _shell(shell).quote
    words = command(shell)
    exe = words[0]
    try:
        workon_home, source = home.fallback_workon_home()
    except UserError:
        workon_home, source = "", "default"
    values = (("__envwrap_home", workon_home), ("__envwrap_home_src", source))
    # Auto-activation on cd is decided here, so that start-up reads no config.
    values += (("__envwrap_auto", "1" if auto or auto_enabled() else ""),)
    if shell == "fish":
        return f"set -g __envwrap_exe {' '.join(q(w) for w in words)}\n" + "".join(
            f"set -g {name} {q(value)}\n" for name, value in values)
    if shell == "powershell":
        from envwrap.shells.powershell import ps_ascii

        return f"$global:__envwrap_exe = {ps_ascii(exe)}\n" + "".join(
            f"$global:{name} = {ps_ascii(value)}\n" for name, value in values)
    return f"__envwrap_exe=({' '.join(q(w) for w in words)})\n" + "".join(
        f"{name}={q(value)}\n" for name, value in values)


def script(shell: str, auto: bool = False) -> str:
    path = _shell_path(shell)
    try:
        with open(path, encoding="utf-8") as fh:
            body = fh.read()
    except FileNotFoundError:
        raise UserError(f"envwrap has no {shell} support installed ({path} is missing)") from None
    return preamble(shell, auto) + body


def demo(shell: str) -> int:
    """An interactive shell with envwrap loaded and a throwaway WORKON_HOME.

    Everything envwrap keeps goes into the throwaway directory too: its cache
    (pip seeds, interpreter lists, layout templates) and its config file (so
    the user's settings neither shape the demo nor get changed by it). envwrap
    writes nothing in its data directory (only ``envwrap doctor`` reads it)."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from envwrap.shells import get

    desc = get(shell)
    exe = desc.demo_argv[0]
    if shutil.which(exe) is None:
        raise UserError(f"{exe} is not installed")
    scratch = Path(tempfile.mkdtemp(prefix="envwrap-demo-"))
    # The demo's settings, in this process too: the loader's preamble is made
    # under them, not the user's.
    os.environ.update({
        "WORKON_HOME": str(scratch / "envs"),
        "PROJECT_HOME": str(scratch / "projects"),
        "ENVWRAP_CACHE_DIR": str(scratch / "cache"),
        "ENVWRAP_CONFIG": str(scratch / "config" / "config.toml"),
    })
    os.environ.pop("ENVWRAP_EXPORTED_HOME", None)
    from envwrap.core import home

    home.reload_config()
    env = dict(os.environ)
    (scratch / "envs").mkdir()
    (scratch / "projects").mkdir()
    loader = scratch / f"envwrap.{desc.extension}"
    loader.write_text(script(shell), encoding="utf-8")
    banner = (
        f"envwrap demo: WORKON_HOME={scratch / 'envs'} (deleted when you exit, with envwrap's cache and "
        "config for the demo). "
        "Try: mkvirtualenv demo; workon <TAB>; deactivate; rmvirtualenv demo"
    )
    print(banner, file=sys.stderr)
    try:
        words = {"loader": desc.quote(str(loader)), "dir": str(scratch), "rc": ""}
        if desc.demo_rc:
            rc_name, rc_text = desc.demo_rc
            rc = scratch / rc_name
            rc.write_text(rc_text.format(**words), encoding="utf-8")
            words["rc"] = str(rc)
        env.update({key: value.format(**words) for key, value in desc.demo_env.items()})
        cmd = [word.format(**words) for word in desc.demo_argv]
        return subprocess.call(cmd, env=env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
