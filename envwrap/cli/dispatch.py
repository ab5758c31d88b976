"""``envwrap``: the backend command line.

Two kinds of verbs:

* for people, scripts and editors: ``ls``, ``path``, ``show``, ``new``, ``rm``, ``cp``,
  ``mv``, ``export``, ``import``, ``upgrade``, ``pythons``, ``project``, ``sitepackages``,
  ``add-path``, ``toggle-global``, ``wipe``,
  ``repair``, ``doctor``, ``config``, ``seed``, ``init``, ``demo``, ``run``,
  ``shell``, ``which``, ``gc``;
* ``sh SHELL COMMAND ...``, called by the shell hooks: prints code for the user's
  shell to evaluate (see :mod:`envwrap.commands`).

Every error a user can cause is one line on stderr and a non-zero status.
"""

from __future__ import annotations

import os
import sys

from envwrap.core.errors import UserError, one_line, say


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


# The version of every JSON object envwrap prints (ls, show, doctor --json); it
# changes only when a field changes meaning or goes away (README: JSON output).
JSON_VERSION = 1


def _json(data) -> None:
    import json

    _out(json.dumps(data, indent=2, ensure_ascii=False))


# The tables of commands and verbs (COMMAND_VERBS, NAME_VERBS, NAMES_VERBS, USAGE)
# come from envwrap.commandtable, imported only when one is read: not on the
# workon path.


def __getattr__(name: str):
    if name not in ("USAGE", "COMMAND_VERBS", "NAME_VERBS", "NAMES_VERBS"):
        # (asked for other names too, by the import system: import nothing then)
        raise AttributeError(f"module 'envwrap.cli' has no attribute {name!r}")
    from envwrap.cli import table as commandtable

    return commandtable.usage() if name == "USAGE" else getattr(commandtable, name)


_invoked_as: str | None = None  # the first argument of this run, set by main()


def _prog(verb: str) -> str:
    """What --help and messages call ``verb``: the shell command's name when the
    shell function called it, else ``envwrap VERB``."""
    from envwrap.cli.table import COMMAND_VERBS

    if _invoked_as is not None and COMMAND_VERBS.get(_invoked_as) == verb:
        return _invoked_as
    return f"envwrap {verb}"


def _who(prog: str) -> str:
    """``prog`` as the subject of a message that main() prefixes with 'envwrap: '."""
    return prog[len("envwrap "):] if prog.startswith("envwrap ") else prog


def _tell(text: str = "") -> None:
    """A line of stdout meant for people: control characters shown escaped."""
    _out(one_line(text))


# ----------------------------------------------------------------- verbs


def cmd_sh(args: list[str]) -> int:
    from envwrap import shells
    from envwrap.cli import plans as commands
    from envwrap.env import hooks

    usage = "usage: envwrap sh SHELL COMMAND [ARGS...]: shell code for a shell hook to evaluate"
    if args[:1] in (["-h"], ["--help"]):
        _out(usage)
        return 0
    if len(args) < 2:
        raise UserError(usage, 2)
    shell = shells.canonical(args[0])
    if shell is None:
        raise UserError(f"unknown shell '{args[0]}' (bash, zsh, fish, powershell)", 2)
    command = commands.COMMANDS.get(args[1])
    if command is None:
        raise UserError(f"unknown shell command '{args[1]}'", 2)
    hooks.hook_stdout = sys.stderr.fileno()  # stdout is code from here on
    # The shell evaluates our stdout, so what a command prints is caught here
    # (swapped by hand: contextlib would cost more import time than the rest of
    # workon). --help becomes a plan that prints it on the shell's stdout, so
    # `mkvirtualenv --help | less` works; anything else goes to stderr.
    import io

    printed = io.StringIO()
    stdout, sys.stdout = sys.stdout, printed
    try:
        plan = command(shell, args[2:])
    except SystemExit as exc:  # --help (or a usage exit): nothing else to do
        status = exc.code if isinstance(exc.code, int) else 0
        if status == 0 and printed.getvalue():
            from envwrap.shells.plan import Plan

            plan = Plan()
            plan.print(printed.getvalue())
            stdout.write(shells.emitter(shell).render(plan.steps))
        else:
            sys.stderr.write(printed.getvalue())
        return status
    finally:
        sys.stdout = stdout
    if printed.getvalue():
        sys.stderr.write(printed.getvalue())
    sys.stdout.write(shells.emitter(shell).render(plan.steps))
    return 0


def cmd_ls(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.core import home
    from envwrap.env import registry

    prog = _prog("ls")
    long_default = prog == "lsvirtualenv"  # as virtualenvwrapper's lsvirtualenv
    parser = Parser(prog=prog, description="List the environments in WORKON_HOME.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("-b", "--brief", action="store_true",
                      help="names only" + ("" if long_default else " (the default)"))
    mode.add_argument("-l", "--long", action="store_true",
                      help="details for each environment" + (" (the default)" if long_default else ""))
    mode.add_argument("--json", action="store_true", help="details as JSON")
    opts = parser.parse_args(args)
    opts.long = opts.long or (long_default and not opts.brief and not opts.json)
    root = home.existing_workon_home()
    found = registry.listing(root)
    if opts.json or opts.long:
        from envwrap.env.sizes import Sizes

        with Sizes(root) as sizes:
            if opts.json:
                _json({"version": JSON_VERSION,
                       "environments": [registry.info(n, os.path.join(root, n), sizes).as_dict() for n in found]})
                return 0
            hook_dir = home.hook_dir()
            for name in found:
                _show(registry.info(name, os.path.join(root, name), sizes), hook_dir)
    else:
        for name in found:
            _out(name)
    return 0


def _show(info, hook_dir) -> None:
    from envwrap.core import home
    from envwrap.core.layout import Layout
    from envwrap.env import hooks

    _tell(info.name)
    _out("=" * len(one_line(info.name)))
    _tell(f"path:    {info.path}")
    _tell(f"python:  {info.version or 'unknown'}" + (f" ({info.base})" if info.base else ""))
    if info.project:
        _tell(f"project: {info.project}" + (" (MISSING: the directory is gone)" if info.project_missing else ""))
    if info.broken:
        _tell(f"status:  BROKEN: {info.broken}")
    elif info.mismatch:
        _tell(f"status:  WARNING: {info.mismatch}; the interpreter does not see them")
    else:
        _tell("status:  ok")
    from envwrap.env import sizes as tidy

    _tell(f"used:    {tidy.when(info.last_used)}")
    if info.size is not None:
        _tell(f"size:    {tidy.human_size(info.size)}")
    sys.stdout.flush()
    # As virtualenvwrapper runs them: in WORKON_HOME, with the name.
    root = home.workon_home()
    root = root if os.path.isdir(root) else None
    hooks.run(os.path.join(hook_dir, "get_env_details"), info.name, cwd=root)
    hooks.run(os.path.join(Layout.of(info.path).bin_dir, "get_env_details"), info.name, cwd=root)
    _out()


def cmd_show(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.core import home
    from envwrap.env import registry

    prog = _prog("show")
    parser = Parser(prog=prog, description="Show details of an environment (default: the active one).")
    parser.add_argument("name", nargs="?", metavar="NAME", help="an environment's name (default: the active one)")
    parser.add_argument("--json", action="store_true", help="details as JSON (README: JSON output)")
    opts = parser.parse_args(args)
    name, path = registry.current(opts.name, _who(prog))
    from envwrap.env.sizes import Sizes

    with Sizes(os.path.dirname(path)) as sizes:
        info = registry.info(name, path, sizes)
    if opts.json:
        _json({"version": JSON_VERSION, "environment": info.as_dict()})
        return 0
    _show(info, home.hook_dir())
    return 0


def cmd_path(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import registry

    parser = Parser(prog="envwrap path", description="Print an environment's directory.")
    parser.add_argument("name")
    opts = parser.parse_args(args)
    _out(str(registry.path_of(opts.name)))
    return 0


VARS_USAGE = """usage: envwrap vars [NAME] [--json]
       envwrap vars [NAME] set KEY=VALUE...
       envwrap vars [NAME] unset KEY...

NAME defaults to the active environment.

An environment's own variables: workon exports them, deactivate puts each one
back as it was before (its old value, empty, or unset), and envwrap run passes
them to the command. They are kept inside the environment, in .envwrap-vars.toml,
so copying or moving the environment carries them. KEY is a shell-safe name
(letters, digits, _), not one that envwrap or the shell manages (PATH,
VIRTUAL_ENV, HOME, ...); VALUE is any text, newlines included.
"""


def cmd_vars(args: list[str]) -> int:
    from pathlib import Path

    from envwrap.core import home
    from envwrap.core.staging import NameLock
    from envwrap.env import registry
    from envwrap.env import variables as envvars

    if args[:1] in (["-h"], ["--help"]):
        sys.stdout.write(VARS_USAGE)
        return 0
    words = ("set", "unset", "--json")
    # No NAME (nothing, or an action first): the active environment, as
    # showvirtualenv and wipeenv have it. `vars set set K=V`: the env named set.
    if registry.active_env() and (not args or (args[0] in words and args[1:2] not in (["set"], ["unset"]))):
        name, env = registry.current(None, "vars")
        rest = args
    elif not args:
        sys.stdout.write(VARS_USAGE)
        raise UserError("vars: name an environment, or activate one: "
                        "envwrap vars [NAME] [set KEY=VALUE... | unset KEY...]", 2)
    else:
        name, rest = args[0], args[1:]
        try:
            env = registry.path_of(name)
        except UserError:
            if name in words:
                raise UserError(f"vars: no environment is active and none is named '{name}': "
                                "envwrap vars NAME [set KEY=VALUE... | unset KEY...]", 2) from None
            raise
    if not rest or rest == ["--json"]:
        values = envvars.load(env)
        if rest:
            _json({"version": JSON_VERSION, "environment": name, "vars": values})
        else:
            for key, value in values.items():
                _tell(f"{key}={value}")
        return 0
    action, items = rest[0], rest[1:]
    if action not in ("set", "unset"):
        raise UserError(f"vars: unknown action '{action}' (set KEY=VALUE... or unset KEY...)", 2)
    if not items:
        what = "KEY=VALUE" if action == "set" else "KEY"
        raise UserError(f"vars: {action}: name at least one {what}", 2)
    changes: dict[str, str | None] = {}
    for item in items:
        if action == "set":
            key, eq, value = item.partition("=")
            if not eq:
                raise UserError(f"vars: set: '{item}' is not KEY=VALUE", 2)
        else:
            key, value = item, None
        problem = envvars.validate_key(key)
        if problem is None and value is not None:
            problem = envvars.validate_value(key, value)
        if problem:
            raise UserError(f"vars: {problem}; nothing changed", 2)
        changes[key] = value
    with NameLock(Path(home.workon_home()), name):
        values = envvars.load(env)
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        envvars.save(env, values)
    if os.environ.get("VIRTUAL_ENV") == env:
        say(f"envwrap: {name} is active: run 'workon {name}' again for the change to take effect here")
    return 0


def cmd_new(args: list[str]) -> int:
    from envwrap.cli import plans as commands
    from envwrap.core import home
    from envwrap.env import lifecycle

    parser = commands.creation_parser("envwrap new", "Create an environment (without activating it).")
    parser.add_argument("name")
    opts, extra = parser.parse_known_args(args)
    if opts.project and not os.path.isdir(os.path.expanduser(opts.project)):  # Path.expanduser raises for ~nosuchuser
        raise UserError(f"project directory {opts.project} {home.why_not_dir(os.path.expanduser(opts.project))}")
    path = lifecycle.create(opts.name, commands.create_options(opts, extra))
    _out(str(path))
    return 0


def cmd_rm(args: list[str]) -> int:

    from envwrap.cli.argparsing import HIDDEN, Parser
    from envwrap.env import lifecycle

    parser = Parser(prog=_prog("rm"), description="Remove environments.")
    parser.add_argument("--tmp", action="store_true", help=HIDDEN)
    parser.add_argument("names", nargs="+", metavar="NAME")
    opts = parser.parse_args(args)
    if opts.tmp:
        for path in opts.names:
            lifecycle.remove_tmp(path)
        return 0
    from envwrap.core import home

    home.existing_workon_home()
    status = 0
    for name in opts.names:
        try:
            lifecycle.remove(name)
            say(f"Removing {name}...")
        except UserError as exc:
            _say_error(exc)
            status = exc.status
    return status



def cmd_cp(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import lifecycle

    parser = Parser(prog="envwrap cp", description="Copy an environment.")
    parser.add_argument("source")
    parser.add_argument("dest", nargs="?")
    opts = parser.parse_args(args)
    _out(str(lifecycle.copy(opts.source, opts.dest)))
    return 0


def cmd_mv(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import lifecycle

    prog = _prog("mv")
    parser = Parser(prog=prog, description="Rename an environment: its scripts, activate scripts, pyvenv.cfg "
                                           "and .pth files are rewritten for the new path. The active "
                                           "environment is refused.")
    parser.add_argument("old", metavar="OLD")
    parser.add_argument("new", metavar="NEW")
    opts = parser.parse_args(args)
    path = lifecycle.move(opts.old, opts.new)
    say(f"Renamed {opts.old} to {opts.new} ({path})")
    return 0


def cmd_export(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import manifest, registry

    parser = Parser(prog="envwrap export",
                    description="Write an environment's manifest (TOML: Python version, creator, pinned "
                                "distributions, editables, project, add2virtualenv paths, hooks), from which "
                                "'envwrap import' makes it again; to standard output unless -o.")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument("--format", choices=("toml", "requirements"), default="toml",
                        help="toml: the manifest (the default); requirements: a plain requirements file")
    opts = parser.parse_args(args)
    data = manifest.build(opts.name, registry.path_of(opts.name))
    text = manifest.dumps(data) if opts.format == "toml" else manifest.requirements(data)
    if opts.output is None:
        sys.stdout.write(text)
        return 0
    out = manifest.write(opts.output, text, private=bool(data.get("vars")) and opts.format == "toml")
    say(f"envwrap: wrote {out}")
    return 0


def cmd_import(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import manifest

    parser = Parser(prog="envwrap import",
                    description="Make an environment from a manifest written by 'envwrap export' "
                                "(default NAME: the manifest's), through the normal creation path.")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("name", nargs="?", metavar="NAME")
    parser.add_argument("-p", "--python", metavar="PYTHON", help="interpreter to use instead of the "
                        "manifest's version")
    opts = parser.parse_args(args)
    data = manifest.load(opts.file)
    _out(manifest.create_from(data, opts.name, opts.python))
    return 0


def cmd_upgrade(args: list[str]) -> int:
    from envwrap.env import upgrade

    return upgrade.run(args)


def cmd_pythons(args: list[str]) -> int:
    from envwrap.env import pythons

    return pythons.run(args)


def cmd_project(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import registry

    prog = _prog("project")
    parser = Parser(prog=prog,
                    description="Bind an environment to a project directory (default: active env, current dir).")
    parser.add_argument("env", nargs="?")
    parser.add_argument("project", nargs="?")
    parser.add_argument("-f", "--force", action="store_true",
                        help="replace the project's .venv file even when envwrap wrote it for another env")
    opts = parser.parse_args(args)
    if opts.env and os.sep in opts.env and os.path.isfile(os.path.join(opts.env, "pyvenv.cfg")):
        env = opts.env  # virtualenvwrapper passes the env's path
    else:
        _, env = registry.current(opts.env, _who(prog))
    project = os.path.abspath(os.path.expanduser(opts.project)) if opts.project else os.getcwd()
    registry.set_project(env, project)
    registry.write_dot_venv(os.path.abspath(env), force=opts.force)
    say(f"Setting project for {os.path.basename(os.path.normpath(env))} to {project}")
    return 0


def cmd_sitepackages(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import registry, sitepackages

    prog = _prog("sitepackages")
    parser = Parser(prog=prog, description="Show an environment's site-packages (default: the active one's).")
    parser.add_argument("--path", action="store_true", help="print the directory only")
    parser.add_argument("name", nargs="?", metavar="NAME", help="an environment's name (default: the active one)")
    opts = parser.parse_args(args)
    from envwrap.core import home

    home.existing_workon_home()
    _, env = registry.current(opts.name, _who(prog))
    sp = sitepackages.site_packages(env)
    if opts.path:
        _out(str(sp))
        return 0
    for entry in sorted(os.listdir(sp)):
        _tell(entry)
    extra = sitepackages.extensions_file_lines(sp)
    if extra is not None:
        _out()
        _out(f"{sitepackages.PATH_EXTENSIONS}:")
        for line in extra:
            _tell(f"  {line}")
    return 0


def cmd_add_path(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import registry, sitepackages

    prog = _prog("add-path")
    parser = Parser(prog=prog, description="Add directories to the active environment's import path.")
    parser.add_argument("-d", dest="delete", action="store_true", help="remove them instead")
    parser.add_argument("dirs", nargs="*", metavar="DIR")
    opts = parser.parse_args(args)
    _, env = registry.current(None, _who(prog))
    if not opts.dirs:  # the directories added so far, one per line
        for entry in sitepackages.path_entries(env):
            _out(entry)
        return 0
    sitepackages.add_paths(env, opts.dirs, opts.delete)
    return 0


def cmd_toggle(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import pyvenv, registry

    prog = _prog("toggle-global")
    parser = Parser(prog=prog, description="Turn access to the base interpreter's packages on or off, for "
                                            "an environment (default: the active one).")
    parser.add_argument("-q", dest="quiet", action="store_true", help="say nothing")
    parser.add_argument("name", nargs="?", metavar="NAME", help="an environment's name (default: the active one)")
    opts = parser.parse_args(args)
    _, env = registry.current(opts.name, _who(prog))
    on = pyvenv.toggle_global(env)
    if not opts.quiet:
        print(f"{'Enabled' if on else 'Disabled'} global site-packages", file=sys.stderr)
    return 0


def cmd_wipe(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import pip, registry

    prog = _prog("wipe")
    parser = Parser(prog=prog, description="Uninstall every package from an environment (default: the active one).")
    parser.add_argument("name", nargs="?", metavar="NAME", help="an environment's name (default: the active one)")
    opts = parser.parse_args(args)
    _, env = registry.current(opts.name, _who(prog))
    removed = pip.wipe(env)
    count = len(removed)
    print(f"Removed {count} package{'' if count == 1 else 's'}." if count else "Nothing to remove.",
          file=sys.stderr)
    return 0


def cmd_repair(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import lifecycle

    parser = Parser(prog="envwrap repair", description="Re-point a broken environment at a working Python.")
    parser.add_argument("-p", "--python")
    parser.add_argument("name")
    opts = parser.parse_args(args)
    lifecycle.repair(opts.name, opts.python)
    say(f"envwrap: repaired '{opts.name}'")
    return 0


def cmd_doctor(args: list[str]) -> int:
    from envwrap.cli import doctor
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="envwrap doctor", description="List every problem envwrap can find.")
    parser.add_argument("--fix", action="store_true", help="remove leftovers of interrupted operations")
    parser.add_argument("--json", action="store_true", help="the problems as JSON (README: JSON output)")
    opts = parser.parse_args(args)
    if opts.json:
        report, status = doctor.report(fix=opts.fix)
        _json(dict({"version": JSON_VERSION}, **report))
        return status
    return doctor.run(fix=opts.fix)


def cmd_seed(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import creators
    from envwrap.seeding import sources as seeding

    parser = Parser(prog="envwrap seed",
                    description="Show which pip new environments get, per Python, and where it comes from "
                                "(no network needed). --update downloads the newest pip first.")
    parser.add_argument("--update", action="store_true",
                        help="download the newest pip wheel into envwrap's cache (needs a network; "
                             "uses your pip configuration)")
    parser.add_argument("-p", "--python", dest="pythons", metavar="PYTHON", action="append", default=[],
                        help="also for this interpreter (name, version or path; repeatable)")
    opts = parser.parse_args(args)
    pythons = [seeding.own_python()]
    configured = creators.find_python(None)  # `python` in the config file: the default for new envs
    for path in ([configured] if configured else []) + [creators.find_python(p) for p in opts.pythons]:
        pythons.append(seeding.probe(path))
    default = pythons[1] if configured else pythons[0]
    shown = {(p.impl, p.short) for p in pythons}
    pythons += [p for p in seeding.prepared_versions() if (p.impl, p.short) not in shown]
    failed: list[str] = []
    if opts.update:
        got, failed = seeding.update(pythons)
        for wheel in got:
            say(f"envwrap: downloaded {wheel}")
    for python in pythons:
        _out(seeding.describe(python, default=python is default))
    for line in failed:
        say(f"envwrap: {line}")
    return 1 if failed else 0


def cmd_config(args: list[str]) -> int:
    from envwrap.cli.argparsing import HIDDEN, Parser
    from envwrap.core import home

    parser = Parser(
        prog="envwrap config",
        description="Show envwrap's effective settings and where each comes from ($VARIABLE, config file, "
                    "default); with KEY, print its effective value; with KEY VALUE, write it to the config "
                    "file. KEY: workon_home, project_home, creator, python, auto_activate (true/false: "
                    "activate a project's env on cd, from the next shell), write_dot_venv (true/false: "
                    "write a project's .venv file), seed_mode (copy: each new env gets its own pip; zip: "
                    "new envs share one read-only zip of pip) (and hook_dir, to read). "
                    "A relative path is saved as an absolute one (from the current directory). "
                    "Exit status 1 when KEY has no value at all (project_home unset).",
    )
    parser.add_argument("key", nargs="?", metavar="KEY")
    parser.add_argument("value", nargs="?", metavar="VALUE")
    parser.add_argument("--unset", action="store_true", help="remove KEY from the config file")
    # --shell SHELL (from the shell hooks): print code that brings that shell's
    # WORKON_HOME up to date; everything for people goes to stderr then.
    parser.add_argument("--shell", help=HIDDEN)
    stdout = sys.stdout
    if any(a == "--shell" or a.startswith("--shell=") for a in args):
        sys.stdout = sys.stderr
    from envwrap import shells

    try:
        opts = parser.parse_args(args)
        shell = shells.canonical(opts.shell) if opts.shell else None
        if opts.shell and shell is None:
            raise UserError(f"unknown shell '{opts.shell}' (bash, zsh, fish, powershell)", 2)
        status = _config(opts)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    finally:
        sys.stdout = stdout
    if status == 0 and shell is not None:
        from envwrap.shells.plan import Plan

        plan = Plan()
        if opts.key == "auto_activate":  # switched in this shell at once
            from envwrap.shells import loader as init

            plan.set("__envwrap_auto", "1" if init.auto_enabled() else "")
        try:
            plan.home(*home.fallback_workon_home())
        except UserError:
            return 0
        sys.stdout.write(shells.emitter(shell).render(plan.steps))
    return status


def _config(opts) -> int:
    from envwrap.core import home, settings

    readable = settings.CONFIG_KEYS + ("hook_dir",)
    if opts.key is not None and opts.key not in readable:
        raise UserError(f"config: unknown key '{opts.key}' (choose {', '.join(settings.CONFIG_KEYS)})", 2)
    if opts.key is None:
        if opts.unset or opts.value is not None:
            raise UserError("config: name the KEY to change", 2)
        path = home.config_path()
        _out(f"config file: {path}" + ("" if os.path.isfile(path) else " (none yet)"))
        rows = settings.effective()
        width = max(len(key) for key, _, _ in rows)
        for key, value, source in rows:
            shown = f"{value}  ({source})" if value is not None else f"({source})"
            _out(one_line(f"{key:<{width}} = {shown}"))
        return 0
    if opts.value is None and not opts.unset:
        value = dict((key, value) for key, value, _ in settings.effective()).get(opts.key)
        if value is None:
            return 1
        _out(value)
        return 0
    if opts.key not in settings.CONFIG_KEYS:
        raise UserError(f"config: {opts.key} is not kept in the config file "
                        "(set VIRTUALENVWRAPPER_HOOK_DIR instead)", 2)
    if opts.unset and opts.value is not None:
        raise UserError("config: give a VALUE or --unset, not both", 2)
    settings.write(opts.key, None if opts.unset else opts.value)
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
        description="Let auto-activation activate the environment that DIR's .venv (the nearest at or above "
                    "DIR) leads to: a .venv directory, or a .venv file naming an env outside WORKON_HOME. "
                    "A .venv file naming an env in WORKON_HOME needs no allowance; workon . needs none. "
                    "The allowance holds while the .venv and its env stay as they are: a changed one asks again.",
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
    root, target, needed = trust.allow(where)
    if needed:
        say(f"envwrap: allowed {os.path.join(root, trust.MARKER)} to activate {target} on cd")
    else:
        say(f"envwrap: {os.path.join(root, trust.MARKER)} names {target} in WORKON_HOME, "
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
    opts = parser.parse_args(args)
    sys.stdout.write(init.script(init.shell_name(opts.shell), auto=opts.auto))
    return 0


def cmd_run(args: list[str]) -> int:
    from envwrap.cli import run as use

    return use.run(args)


def cmd_allvirtualenv(args: list[str]) -> int:
    from envwrap.cli import run as use

    return use.run_all(args)


def cmd_shell(args: list[str]) -> int:
    from envwrap.cli import run as use

    return use.shell(args)


def cmd_which(args: list[str]) -> int:
    from envwrap.cli import run as use

    return use.which(args)


def cmd_gc(args: list[str]) -> int:
    from envwrap.env import sizes as tidy

    return tidy.gc(args)


def cmd_demo(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.shells import loader as init

    parser = Parser(prog="envwrap demo",
                    description="Start an interactive shell with envwrap loaded and a throwaway WORKON_HOME.")
    parser.add_argument("shell", nargs="?", default="bash")
    opts = parser.parse_args(args)
    return init.demo(init.shell_name(opts.shell))


def cmd_say(args: list[str]) -> int:
    """Hidden, for the PowerShell hook: print its message as envwrap prints its
    own (``envwrap: ...``, one escaped line on stderr) and exit with STATUS.
    PowerShell's $Host.UI.WriteErrorLine would write past the caller's
    ``2>$null`` / ``2>file``; a native command's stderr follows them."""
    if len(args) != 2 or not args[0].isdigit():
        raise UserError("usage: envwrap say STATUS MESSAGE (for the PowerShell hook)", 2)
    say(f"envwrap: {args[1]}")
    return int(args[0]) & 0xFF


VERBS = {
    "sh": cmd_sh,
    "ls": cmd_ls,
    "path": cmd_path,
    "show": cmd_show,
    "new": cmd_new,
    "rm": cmd_rm,
    "cp": cmd_cp,
    "mv": cmd_mv,
    "export": cmd_export,
    "import": cmd_import,
    "upgrade": cmd_upgrade,
    "pythons": cmd_pythons,
    "project": cmd_project,
    "sitepackages": cmd_sitepackages,
    "add-path": cmd_add_path,
    "toggle-global": cmd_toggle,
    "wipe": cmd_wipe,
    "repair": cmd_repair,
    "doctor": cmd_doctor,
    "config": cmd_config,
    "allow": cmd_allow,
    "seed": cmd_seed,
    "init": cmd_init,
    "demo": cmd_demo,
    "run": cmd_run,
    "allvirtualenv": cmd_allvirtualenv,
    "shell": cmd_shell,
    "which": cmd_which,
    "gc": cmd_gc,
    "say": cmd_say,
    "vars": cmd_vars,
}


class _ClosedStdout:
    """sys.stdout when the caller closed it (``envwrap ls >&-``): writing says
    so as an OSError, which ends the command with one line, as a full disk would
    (``lost`` remembers it for a writer that ignores errors: argparse's help)."""

    lost = False

    def write(self, text: str) -> int:
        import errno

        self.lost = True
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return 1

    def isatty(self) -> bool:
        return False


def _standard_streams() -> None:
    """A closed descriptor 0, 1 or 2 gets the null device, so that no file
    envwrap opens can take its number and receive what is printed; Python made
    the matching sys.std* None, which becomes something that writes nowhere
    (stderr, stdin) or refuses (stdout)."""
    import io

    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            new = os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
            if new != fd:
                os.dup2(new, fd)
                os.close(new)
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    if sys.stderr is None:
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()


def _drop_stdout() -> None:
    """Nobody can receive what is still buffered: send it to the null device,
    so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    global _invoked_as
    import _signal

    args = sys.argv[1:] if argv is None else argv
    _invoked_as = args[0] if args else None
    try:
        # From here a Ctrl-C is a KeyboardInterrupt, which stops any command
        # before its next step (see envwrap/__main__.py for before).
        if getattr(_signal.getsignal(_signal.SIGINT), "__name__", None) == "_interrupted":
            _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        if sys.stdout is None or sys.stderr is None or sys.stdin is None:
            _standard_streams()
        try:
            status = _main(args)
        except SystemExit as exc:  # argparse after --help
            status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        # A reader that closed the pipe early shows up here, inside the try,
        # not as a traceback when the interpreter flushes at exit.
        sys.stdout.flush()
        if status == 0 and getattr(sys.stdout, "lost", False):
            print("envwrap: standard output is closed", file=sys.stderr)
            return 1
        return status
    except BrokenPipeError:
        # Nobody reads any more: stop quietly.
        _drop_stdout()
        return 141  # as a command killed by SIGPIPE
    except OSError as exc:  # standard output full (/dev/full) or closed
        _drop_stdout()
        why = exc.strerror or str(exc)
        print(one_line(f"envwrap: {why if 'standard output' in why else 'cannot write standard output: ' + why}"),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("envwrap: interrupted", file=sys.stderr)
        return 130


def _flush_stdout() -> None:
    """Before a message on stderr, what was printed comes out first; when
    standard output cannot take it (closed, a full device), it is dropped."""
    try:
        sys.stdout.flush()
    except OSError:
        _drop_stdout()


def _say_error(exc: UserError) -> None:
    """Print a UserError as its one line on stderr."""
    message = str(exc)
    if os.environ.get("ENVWRAP_AS") == "vf":  # called by fish's vf: hints name vf commands
        from envwrap.shells.fish.vfterms import words

        message = words(message)
    print(f"envwrap: {one_line(message)}", file=sys.stderr)


def _main(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help", "help"):
        from envwrap.cli.table import usage

        sys.stdout.write(usage())
        return 0 if args else 2
    if args[0] in ("-V", "--version"):
        from envwrap import __version__

        _out(f"envwrap {__version__}")
        return 0
    verb = VERBS.get(args[0])
    if verb is None:  # a shell command's own name: lsvirtualenv is ls
        from envwrap.cli.table import COMMAND_VERBS

        verb = VERBS.get(COMMAND_VERBS.get(args[0], ""))
    try:
        if verb is None:
            raise UserError(f"unknown verb '{args[0]}' (envwrap --help lists them)", 2)
        return verb(args[1:])
    except UserError as exc:
        _flush_stdout()
        _say_error(exc)
        return exc.status
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        # Something on disk refused (permissions, a full disk): say what and where.
        _flush_stdout()
        where = f" ({exc.filename})" if exc.filename else ""
        print(one_line(f"envwrap: {exc.strerror or exc}{where}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("envwrap: interrupted; nothing was left half-made", file=sys.stderr)
        return 130
