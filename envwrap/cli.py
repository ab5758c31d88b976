"""``envwrap``: the backend command line.

Two kinds of verbs:

* for people, scripts and editors: ``ls``, ``path``, ``show``, ``new``, ``rm``, ``cp``,
  ``project``, ``sitepackages``, ``add-path``, ``toggle-global``, ``wipe``,
  ``repair``, ``doctor``, ``config``, ``init``, ``demo``;
* ``sh SHELL COMMAND ...``, called by the shell hooks: prints code for the user's
  shell to evaluate (see :mod:`envwrap.commands`).

Every error a user can cause is one line on stderr and a non-zero status.
"""

from __future__ import annotations

import os
import sys

from envwrap.errors import UserError, one_line, say


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _tell(text: str = "") -> None:
    """A line of stdout meant for people: control characters shown escaped."""
    _out(one_line(text))


# ----------------------------------------------------------------- verbs


def cmd_sh(args: list[str]) -> int:
    from envwrap import commands, hooks, shells

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
    # Anything a command prints (argparse's --help above all) goes to stderr:
    # the shell evaluates our stdout. (Swapped by hand: contextlib would cost
    # more import time than the rest of workon.)
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        plan = command(shell, args[2:])
    except SystemExit as exc:  # --help: shown, and nothing to evaluate
        return exc.code if isinstance(exc.code, int) else 0
    finally:
        sys.stdout = stdout
    sys.stdout.write(shells.emitter(shell).render(plan.steps))
    return 0


def cmd_ls(args: list[str]) -> int:
    from envwrap import envs, home
    from envwrap.argparsing import Parser

    parser = Parser(prog="envwrap ls", description="List the environments in WORKON_HOME.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("-b", "--brief", action="store_true", help="names only (the default)")
    mode.add_argument("-l", "--long", action="store_true", help="details for each environment")
    mode.add_argument("--json", action="store_true", help="details as JSON")
    opts = parser.parse_args(args)
    root = home.workon_home()
    found = envs.listing(root)
    if opts.json:
        import json

        _out(json.dumps([envs.info(n, os.path.join(root, n)).as_dict() for n in found], indent=2,
                        ensure_ascii=False))
    elif opts.long:
        hook_dir = home.hook_dir()
        for name in found:
            _show(envs.info(name, os.path.join(root, name)), hook_dir)
    else:
        for name in found:
            _out(name)
    return 0


def _show(info, hook_dir) -> None:
    from envwrap import hooks
    from envwrap.layout import Layout

    _tell(info.name)
    _out("=" * len(one_line(info.name)))
    _tell(f"path:    {info.path}")
    _tell(f"python:  {info.version or 'unknown'}" + (f" ({info.base})" if info.base else ""))
    if info.project:
        _tell(f"project: {info.project}")
    _tell(f"status:  {'BROKEN: ' + info.broken if info.broken else 'ok'}")
    sys.stdout.flush()
    hooks.run(os.path.join(hook_dir, "get_env_details"), info.name)
    hooks.run(os.path.join(Layout.of(info.path).bin_dir, "get_env_details"), info.name)
    _out()


def cmd_show(args: list[str]) -> int:
    from envwrap import envs, home
    from envwrap.argparsing import Parser

    parser = Parser(prog="showvirtualenv", description="Show details of an environment (default: the active one).")
    parser.add_argument("name", nargs="?")
    opts = parser.parse_args(args)
    name, path = envs.current(opts.name, "showvirtualenv")
    _show(envs.info(name, path), home.hook_dir())
    return 0


def cmd_path(args: list[str]) -> int:
    from envwrap import envs
    from envwrap.argparsing import Parser

    parser = Parser(prog="envwrap path", description="Print an environment's directory.")
    parser.add_argument("name")
    opts = parser.parse_args(args)
    _out(str(envs.path_of(opts.name)))
    return 0


def cmd_new(args: list[str]) -> int:
    from pathlib import Path

    from envwrap import commands, envs

    parser = commands._creation_parser("envwrap new", "Create an environment (without activating it).")
    parser.add_argument("name")
    opts, extra = parser.parse_known_args(args)
    if opts.project and not Path(opts.project).expanduser().is_dir():
        raise UserError(f"project directory {opts.project} does not exist")
    path = envs.create(opts.name, commands._options(opts, extra))
    _out(str(path))
    return 0


def cmd_rm(args: list[str]) -> int:

    from envwrap import envs
    from envwrap.argparsing import HIDDEN, Parser

    parser = Parser(prog="rmvirtualenv", description="Remove environments.")
    parser.add_argument("--tmp", action="store_true", help=HIDDEN)
    parser.add_argument("names", nargs="+", metavar="NAME")
    opts = parser.parse_args(args)
    if opts.tmp:
        for path in opts.names:
            envs.remove_tmp(path)
        return 0
    status = 0
    for name in opts.names:
        try:
            envs.remove(name)
            say(f"Removing {name}...")
        except UserError as exc:
            print(f"envwrap: {one_line(str(exc))}", file=sys.stderr)
            status = exc.status
    return status



def cmd_cp(args: list[str]) -> int:
    from envwrap import envs
    from envwrap.argparsing import Parser

    parser = Parser(prog="envwrap cp", description="Copy an environment.")
    parser.add_argument("source")
    parser.add_argument("dest", nargs="?")
    opts = parser.parse_args(args)
    _out(str(envs.copy(opts.source, opts.dest)))
    return 0


def cmd_project(args: list[str]) -> int:
    from envwrap import envs
    from envwrap.argparsing import Parser

    parser = Parser(prog="setvirtualenvproject",
                    description="Bind an environment to a project directory (default: active env, current dir).")
    parser.add_argument("env", nargs="?")
    parser.add_argument("project", nargs="?")
    opts = parser.parse_args(args)
    if opts.env and os.sep in opts.env and os.path.isfile(os.path.join(opts.env, "pyvenv.cfg")):
        env = opts.env  # virtualenvwrapper passes the env's path
    else:
        _, env = envs.current(opts.env, "setvirtualenvproject")
    project = os.path.abspath(os.path.expanduser(opts.project)) if opts.project else os.getcwd()
    envs.set_project(env, project)
    say(f"Setting project for {os.path.basename(os.path.normpath(env))} to {project}")
    return 0


def cmd_sitepackages(args: list[str]) -> int:
    from envwrap import envs
    from envwrap.argparsing import Parser

    parser = Parser(prog="lssitepackages", description="Show the active environment's site-packages.")
    parser.add_argument("--path", action="store_true", help="print the directory only")
    parser.add_argument("name", nargs="?")
    opts = parser.parse_args(args)
    _, env = envs.current(opts.name, "lssitepackages")
    sp = envs.site_packages(env)
    if opts.path:
        _out(str(sp))
        return 0
    for entry in sorted(os.listdir(sp)):
        _tell(entry)
    extra = os.path.join(sp, envs.PATH_EXTENSIONS)
    if os.path.isfile(extra):
        _out()
        _out(f"{envs.PATH_EXTENSIONS}:")
        with open(extra, encoding="utf-8") as fh:
            for line in fh.read().splitlines():
                _tell(f"  {line}")
    return 0


def cmd_add_path(args: list[str]) -> int:
    from envwrap import envs
    from envwrap.argparsing import Parser

    parser = Parser(prog="add2virtualenv", description="Add directories to the active environment's import path.")
    parser.add_argument("-d", dest="delete", action="store_true", help="remove them instead")
    parser.add_argument("dirs", nargs="*", metavar="DIR")
    opts = parser.parse_args(args)
    _, env = envs.current(None, "add2virtualenv")
    if not opts.dirs:
        pth = os.path.join(envs.site_packages(env), envs.PATH_EXTENSIONS)
        if os.path.isfile(pth):
            with open(pth, encoding="utf-8") as fh:
                sys.stdout.write(fh.read())
        return 0
    envs.add_paths(env, opts.dirs, opts.delete)
    return 0


def cmd_toggle(args: list[str]) -> int:
    from envwrap import envs
    from envwrap.argparsing import Parser

    parser = Parser(prog="toggleglobalsitepackages",
                    description="Turn access to the base interpreter's packages on or off.")
    parser.add_argument("-q", dest="quiet", action="store_true", help="say nothing")
    parser.add_argument("name", nargs="?")
    opts = parser.parse_args(args)
    _, env = envs.current(opts.name, "toggleglobalsitepackages")
    on = envs.toggle_global(env)
    if not opts.quiet:
        print(f"{'Enabled' if on else 'Disabled'} global site-packages", file=sys.stderr)
    return 0


def cmd_wipe(args: list[str]) -> int:
    from envwrap import envs
    from envwrap.argparsing import Parser

    parser = Parser(prog="wipeenv", description="Uninstall every package from the active environment.")
    parser.add_argument("name", nargs="?")
    opts = parser.parse_args(args)
    _, env = envs.current(opts.name, "wipeenv")
    removed = envs.wipe(env)
    print("Nothing to remove." if not removed else f"Removed {len(removed)} packages.", file=sys.stderr)
    return 0


def cmd_repair(args: list[str]) -> int:
    from envwrap import envs
    from envwrap.argparsing import Parser

    parser = Parser(prog="envwrap repair", description="Re-point a broken environment at a working Python.")
    parser.add_argument("-p", "--python")
    parser.add_argument("name")
    opts = parser.parse_args(args)
    envs.repair(opts.name, opts.python)
    say(f"envwrap: repaired '{opts.name}'")
    return 0


def cmd_doctor(args: list[str]) -> int:
    from envwrap import doctor
    from envwrap.argparsing import Parser

    parser = Parser(prog="envwrap doctor", description="List every problem envwrap can find.")
    parser.add_argument("--fix", action="store_true", help="remove leftovers of interrupted operations")
    opts = parser.parse_args(args)
    return doctor.run(fix=opts.fix)


def cmd_config(args: list[str]) -> int:
    from envwrap import home
    from envwrap.argparsing import Parser

    parser = Parser(prog="envwrap config", description="Show or change envwrap's config file.")
    parser.add_argument("key", nargs="?", choices=("workon_home", "project_home", "creator", "python"))
    parser.add_argument("value", nargs="?")
    parser.add_argument("--unset", action="store_true")
    opts = parser.parse_args(args)
    data = dict(home.config())
    if opts.key is None:
        _out(f"# {home.config_path()}")
        for key, value in data.items():
            _out(f"{key} = {value!r}")
        return 0
    if opts.value is None and not opts.unset:
        if opts.key in data:
            _out(str(data[opts.key]))
            return 0
        return 1
    if opts.unset:
        data.pop(opts.key, None)
    else:
        data[opts.key] = opts.value
    import tomli_w

    path = home.config_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(tomli_w.dumps(data))
    os.replace(tmp, path)
    return 0


def cmd_init(args: list[str]) -> int:
    from envwrap import init
    from envwrap.argparsing import Parser

    parser = Parser(prog="envwrap init", description="Print the shell code that loads envwrap.")
    parser.add_argument("shell", nargs="?", help="bash, zsh, fish or powershell (default: detected)")
    opts = parser.parse_args(args)
    sys.stdout.write(init.script(init.shell_name(opts.shell)))
    return 0


def cmd_demo(args: list[str]) -> int:
    from envwrap import init
    from envwrap.argparsing import Parser

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
    "project": cmd_project,
    "sitepackages": cmd_sitepackages,
    "add-path": cmd_add_path,
    "toggle-global": cmd_toggle,
    "wipe": cmd_wipe,
    "repair": cmd_repair,
    "doctor": cmd_doctor,
    "config": cmd_config,
    "init": cmd_init,
    "demo": cmd_demo,
    "say": cmd_say,
}

USAGE = """usage: envwrap VERB [ARGS...]   (envwrap VERB --help for each)

  init [SHELL]         print the code that loads envwrap into bash, zsh, fish or powershell
  demo [SHELL]         interactive shell with envwrap and a throwaway WORKON_HOME
  ls [-l|--json]       list environments
  path NAME            print an environment's directory
  show [NAME]          details of an environment
  new NAME [OPTIONS]   create an environment (mkvirtualenv without activating)
  rm NAME...           remove environments
  cp SRC [DEST]        copy an environment
  project [ENV [DIR]]  bind an environment to a project directory
  sitepackages [NAME]  list site-packages (--path: print the directory)
  add-path [-d] DIR... add2virtualenv
  toggle-global [-q]   toggleglobalsitepackages
  wipe [NAME]          uninstall every package
  repair NAME [-p PY]  re-point a broken environment at a working Python
  doctor [--fix]       list problems: broken envs, leftovers, settings
  config [KEY [VALUE]] show or set workon_home, project_home, creator, python
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0 if args else 2
    if args[0] in ("-V", "--version"):
        from envwrap import __version__

        _out(f"envwrap {__version__}")
        return 0
    verb = VERBS.get(args[0])
    try:
        if verb is None:
            raise UserError(f"unknown verb '{args[0]}' (envwrap --help lists them)", 2)
        return verb(args[1:])
    except UserError as exc:
        sys.stdout.flush()
        print(f"envwrap: {one_line(str(exc))}", file=sys.stderr)
        return exc.status
    except OSError as exc:
        # Something on disk refused (permissions, a full disk): say what and where.
        where = f" ({exc.filename})" if exc.filename else ""
        print(one_line(f"envwrap: {exc.strerror or exc}{where}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("envwrap: interrupted; nothing was left half-made", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 141
