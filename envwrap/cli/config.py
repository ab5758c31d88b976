"""``envwrap config``, ``allow`` and ``init``: settings, auto-activation's
allowances, and the code that loads envwrap into a shell.
"""

from __future__ import annotations

import os
import sys

from envwrap.cli.output import _out
from envwrap.core.errors import UserError, one_line, say


def _parser():
    from envwrap.cli.argparsing import Parser

    parser = Parser(
        prog="envwrap config",
        description="Show envwrap's effective settings and where each comes from ($VARIABLE, config file, "
                    "default); with KEY, print its effective value; with KEY VALUE, write it to the config "
                    "file. KEY: workon_home, project_home, creator, python, auto_activate (true/false: "
                    "activate a project's env on cd, from the next shell), python_envs (true/false: "
                    "name a bound env in its project's .python-envs; old name write_dot_venv), "
                    "seed_mode (auto: zip when the seeded pip supports it, else copy; copy: each new "
                    "env gets its own pip; zip: "
                    "new envs share one read-only zip of pip) (and, to read: hook_dir, installer, "
                    "project_filename, workon_cd, cache_dir, config_file, set by their variables). "
                    "A relative path is saved as an absolute one (from the current directory). "
                    "Exit status 1 when KEY has no value at all (project_home unset). "
                    "register_kernel (true/false): a Jupyter kernel for each new env that has ipykernel.",
    )
    parser.add_argument("key", nargs="?", metavar="KEY")
    parser.add_argument("value", nargs="?", metavar="VALUE")
    parser.add_argument("--unset", action="store_true", help="remove KEY from the config file")
    return parser


def cmd_config(args: list[str]) -> int:
    try:
        return _config(_parser().parse_args(args))
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0


def plan(shell, args: list[str]):
    """``envwrap sh SHELL config KEY VALUE`` (or --unset KEY), the shells'
    ``envwrap config`` that changes a setting: the config file written, then
    the code that brings the shell up to date at once (its WORKON_HOME, and
    auto-activation when auto_activate changed; the shell then runs
    __envwrap_auto_setup). What config says for people goes to stderr (cmd_sh)."""
    from envwrap.core import home
    from envwrap.shells.plan import Plan

    opts = _parser().parse_args(args)
    if opts.key is None or (opts.value is None and not opts.unset):
        raise UserError("usage: envwrap config KEY VALUE, or config --unset KEY", 2)
    if _config(opts):
        raise SystemExit(1)
    steps = Plan()
    if opts.key == "auto_activate":  # switched in this shell at once
        from envwrap.shells import loader as init

        steps.set("__envwrap_auto", "1" if init.auto_enabled() else "")
    try:
        steps.home(*home.fallback_workon_home())
    except UserError:
        pass
    return steps


def _config(opts) -> int:
    from envwrap.core import home, settings

    readable = tuple(settings.BY_KEY)
    opts.key = settings.ALIASES.get(opts.key, opts.key)
    if opts.key is not None and opts.key not in readable:
        raise UserError(f"config: unknown key '{opts.key}' (choose {', '.join(settings.CONFIG_KEYS)})", 2)
    if opts.key is None:
        if opts.unset or opts.value is not None:
            raise UserError("config: name the KEY to change", 2)
        path = home.config_path()
        _out(f"config file: {path}" + ("" if os.path.isfile(path) else " (none yet)"))
        rows = effective()
        width = max(len(key) for key, _, _ in rows)
        for key, value, source in rows:
            shown = f"{value}  ({source})" if value is not None else f"({source})"
            _out(one_line(f"{key:<{width}} = {shown}"))
        return 0
    if opts.value is None and not opts.unset:
        value = dict((key, value) for key, value, _ in effective()).get(opts.key)
        if value is None:
            return 1
        _out(value)
        return 0
    if opts.key not in settings.CONFIG_KEYS:
        raise UserError(f"config: {opts.key} is not kept in the config file "
                        f"(set {settings.BY_KEY[opts.key].variable} instead)", 2)
    if opts.unset and opts.value is not None:
        raise UserError("config: give a VALUE or --unset, not both", 2)
    home.write_setting(opts.key, None if opts.unset else opts.value)
    if opts.key == "workon_home":
        user = home.user_workon_home()
        if user:
            say(f"envwrap: note: WORKON_HOME={user} is set, and takes precedence over the config file")
        elif not opts.unset and not os.path.isdir(home.workon_home()):
            new = home.workon_home()
            say(f"envwrap: note: {new} does not exist yet: the next command creates it")
    return 0


def cmd_allow(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import trust

    parser = Parser(
        prog="envwrap allow",
        description="Let auto-activation activate the environment that DIR's marker (the nearest at or above "
                    "DIR: .python-envs, .venv, .python-version) leads to: a .venv directory, or an env outside "
                    "WORKON_HOME. A marker naming an env in WORKON_HOME needs no allowance; workon . needs none. "
                    "The allowance holds while the marker and its env stay as they are: a changed one asks again.",
    )
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR", help="the project directory (default: here)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--revoke", action="store_true", help="forget DIR's allowance")
    what.add_argument("--list", action="store_true", help="list the allowed directories and their state")
    opts = parser.parse_args(args)
    if opts.list:
        if opts.dir != ".":
            raise UserError("allow: --list takes no DIR", 2)
        for where, state in trust.listing():
            _out(one_line(f"{where}  ({state})") if state != "allowed" else one_line(where))
        return 0
    if not opts.dir:
        raise UserError("allow: DIR is empty (leave it out for the current directory)", 2)
    where = os.path.abspath(os.path.expanduser(opts.dir))
    if not os.path.isdir(where):
        raise UserError(f"allow: {opts.dir} is not a directory")
    if opts.revoke:
        gone = trust.revoke(where)
        if not gone:
            raise UserError(f"allow: {where} is not allowed (envwrap allow --list shows what is)")
        say(f"envwrap: no longer allowed: {gone[0]}")
        return 0
    marker, target, needed = trust.allow(where)
    if needed:
        say(f"envwrap: allowed {marker} to activate {target} on cd")
    else:
        say(f"envwrap: {marker} names {target} in WORKON_HOME, "
            "which activates on cd without an allowance")
    return 0


def cmd_init(args: list[str]) -> int:
    from envwrap.shells import loader as init

    # The common forms (`init bash`, `init zsh --auto`) skip argparse: its import
    # is a fifth of a Python start, paid at every shell start-up that evals this.
    words = [a for a in args if a != "--auto"]
    if len(words) <= 1 and not any(w.startswith("-") for w in words):
        sys.stdout.write(init.script(init.shell_name(words[0] if words else None), auto="--auto" in args))
        return 0
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="envwrap init", description="Print the shell code that loads envwrap.")
    parser.add_argument("shell", nargs="?", help="bash, zsh, fish or powershell (default: detected)")
    parser.add_argument("--auto", action="store_true",
                        help="activate a project's environment on cd (as auto_activate true in the config)")
    parser.add_argument("--write", action="store_true",
                        help="write the files where the shell loads them (fish: its conf.d and functions "
                             "directories; others: envwrap's data directory) and print the line for the "
                             "rc file, if one is needed; run it again after upgrading envwrap")
    opts = parser.parse_args(args)
    shell = init.shell_name(opts.shell)
    if not opts.write:
        sys.stdout.write(init.script(shell, auto=opts.auto))
        return 0
    from envwrap.shells import writer

    note, line = writer.advice(shell, *writer.write(shell, auto=opts.auto))
    say(note)
    sys.stdout.write(line)
    return 0


def _source(key: str, source: str) -> str:
    """Where a value of home.value() came from, as envwrap config shows it."""
    from envwrap.core import settings

    return {"variable": f"${settings.BY_KEY[key].variable}", "config": "config file"}.get(source, source)


def effective() -> list[tuple[str, str | None, str]]:
    """(key, effective value or None, where it came from): one row per setting of
    the settings table, in its order."""
    from envwrap.core import settings

    rows: list[tuple[str, str | None, str]] = []
    for setting in settings.SETTINGS:
        shown = _SHOWN.get(setting.key)
        rows.append(shown() if shown else _plain(setting.key))
    return rows


def _plain(key: str) -> tuple[str, str | None, str]:
    """A setting as home.value() resolves it: variable, config file, default."""
    from envwrap.core import home

    value, source = home.value(key)
    if isinstance(value, bool):
        value = str(value).lower()
    return key, (None if value is None else str(value)), _source(key, source)


def _workon_home() -> tuple[str, str | None, str]:
    from envwrap.core import home

    workon_home, source = home.workon_home_source()
    why = {"variable": "$WORKON_HOME", "config": "config file",
           "default": "default: virtualenvwrapper's"}[source]
    if os.path.lexists(workon_home) and not os.path.isdir(workon_home):
        why += "; NOT A DIRECTORY"
    elif not os.path.isdir(workon_home):
        why += "; does not exist yet: the next command creates it"
    return "workon_home", workon_home, why


def _project_home() -> tuple[str, str | None, str]:
    from envwrap.core import home

    projects, source = home.project_home_source()
    return "project_home", projects, {"variable": "$PROJECT_HOME", "config": "config file",
                                      "unset": "not set"}[source]


def _hook_dir() -> tuple[str, str | None, str]:
    from envwrap.core import home, settings

    return "hook_dir", home.hook_dir(), ("$VIRTUALENVWRAPPER_HOOK_DIR" if settings.environ("hook_dir")
                                         else "default: WORKON_HOME")


def _creator() -> tuple[str, str | None, str]:
    from envwrap.core import home
    from envwrap.env import creators

    custom = home.setting("VIRTUALENVWRAPPER_VIRTUALENV")
    if custom:
        args = home.setting("VIRTUALENVWRAPPER_VIRTUALENV_ARGS")
        return "creator", custom + (f" {args}" if args else ""), "$VIRTUALENVWRAPPER_VIRTUALENV"
    choice, source = home.value("creator")
    choice, why = str(choice), _source("creator", source)
    value = choice
    if choice == "auto":
        value = "venv"
        why += ": auto, venv's tree replayed from envwrap's cache (uv, when installed, where it cannot be)"
    elif choice == "uv" and creators.uv_binary() is None:
        why += "; uv is not installed"
    return "creator", value, why


def _python() -> tuple[str, str | None, str]:
    from envwrap.core import home
    from envwrap.env import creators

    spec, source = home.value("python")
    if spec is None:
        return "python", creators.own_base_python(), "default: the Python envwrap runs on"
    return "python", str(spec), "config file"


def _seed_mode() -> tuple[str, str | None, str]:
    from envwrap.core import home

    mode, source = home.value("seed_mode")
    return "seed_mode", str(mode), (_source("seed_mode", source) if source != "default"
                                    else "default: a shared read-only zip of pip when the pip suits, else a copy")


def _boolean(key: str):
    def shown() -> tuple[str, str | None, str]:
        from envwrap.core import home, settings

        stored, source = home.value(key)
        if source == "config" and isinstance(stored, bool):
            return key, str(stored).lower(), "config file"
        return key, str(settings.BY_KEY[key].default).lower(), "default"
    return shown


def _located(key: str, where):
    def shown() -> tuple[str, str | None, str]:
        from envwrap.core import settings

        return key, where(), (f"${settings.BY_KEY[key].variable}" if settings.environ(key) else "default")
    return shown


def _cache_dir() -> str:
    from envwrap.core import home

    return home.cache_dir()


def _config_file() -> str:
    from envwrap.core import home

    return home.config_path()


# The settings shown otherwise than home.value() finds them (paths resolved
# by core.home, the creator actually used, a stored value that is not a boolean).
_SHOWN = {"workon_home": _workon_home, "project_home": _project_home, "hook_dir": _hook_dir,
          "creator": _creator, "python": _python, "seed_mode": _seed_mode,
          "auto_activate": _boolean("auto_activate"), "python_envs": _boolean("python_envs"),
          "cache_dir": _located("cache_dir", _cache_dir), "config_file": _located("config_file", _config_file)}
_SHOWN["register_kernel"] = _boolean("register_kernel")
