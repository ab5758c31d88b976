"""``envwrap ls``, ``path``, ``show``, ``new``, ``rm``, ``cp``, ``mv``, ``project``,
``repair``: listing, making, copying, renaming and removing environments.
"""

from __future__ import annotations

import os
import sys

from envwrap.cli.output import JSON_VERSION, _json, _out, _say_error, _tell, _who
from envwrap.core.errors import UserError, one_line, say


def cmd_ls(args: list[str], prog: str = "envwrap ls") -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.core import home
    from envwrap.env import registry

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
        for named in info.project_files():
            _tell(f"named:   in {named}")
    if info.broken:
        _tell(f"status:  BROKEN: {info.broken}")
    elif info.mismatch:
        _tell(f"status:  WARNING: {info.mismatch}; the interpreter does not see them")
    else:
        _tell("status:  ok")
    from envwrap.env import sizes as tidy

    _tell(f"used:    {tidy.when(info.last_used)}")
    if info.adopted:
        _tell(f"adopted: from {info.adopted['from']} ({info.adopted['tool']}) on {info.adopted['at']}")
    if info.size is not None:
        _tell(f"size:    {tidy.human_size(info.size)}")
    if info.kernel:
        _tell(f"kernel:  {info.kernel} (Jupyter)")
    sys.stdout.flush()
    # As virtualenvwrapper runs them: in WORKON_HOME, with the name.
    root = home.workon_home()
    root = root if os.path.isdir(root) else None
    hooks.run(os.path.join(hook_dir, "get_env_details"), info.name, cwd=root)
    hooks.run(os.path.join(Layout.of(info.path).bin_dir, "get_env_details"), info.name, cwd=root)
    _out()


def cmd_show(args: list[str], prog: str = "envwrap show") -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.core import home
    from envwrap.env import registry

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


def cmd_new(args: list[str]) -> int:
    from envwrap.cli import creation
    from envwrap.core import home
    from envwrap.env import lifecycle

    parsed = creation.quick_parse(args)
    if parsed is None:
        parser = creation.creation_parser("envwrap new", "Create an environment (without activating it).")
        parser.add_argument("name")
        parsed = parser.parse_known_args(args)
    opts, extra = parsed
    if opts.project and not os.path.isdir(os.path.expanduser(opts.project)):  # Path.expanduser raises for ~nosuchuser
        raise UserError(f"project directory {opts.project} {home.why_not_dir(os.path.expanduser(opts.project))}")
    from envwrap.env import registry

    if opts.project:
        registry.check_project_file(os.path.expanduser(opts.project))
    path = lifecycle.create(opts.name, creation.create_options(opts, extra))
    if opts.project:
        registry.name_in_project(path)
    _out(str(path))
    return 0


def cmd_rm(args: list[str], prog: str = "envwrap rm") -> int:

    from envwrap.cli.argparsing import HIDDEN, Parser
    from envwrap.env import lifecycle

    parser = Parser(prog=prog, description="Remove environments.")
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


def cmd_mv(args: list[str], prog: str = "envwrap mv") -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import lifecycle

    parser = Parser(prog=prog, description="Rename an environment: its scripts, activate scripts, pyvenv.cfg "
                                           "and .pth files are rewritten for the new path. The active "
                                           "environment is refused.")
    parser.add_argument("old", metavar="OLD")
    parser.add_argument("new", metavar="NEW")
    opts = parser.parse_args(args)
    path = lifecycle.move(opts.old, opts.new)
    say(f"Renamed {opts.old} to {opts.new} ({path})")
    return 0


def cmd_project(args: list[str], prog: str = "envwrap project") -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import registry

    parser = Parser(prog=prog,
                    description="Bind an environment to a project directory (default: active env, current dir).")
    parser.add_argument("env", nargs="?")
    parser.add_argument("project", nargs="?")
    parser.add_argument("-f", "--force", action="store_true",
                        help="accepted for old scripts; no effect (the env always becomes the project's default)")
    opts = parser.parse_args(args)
    if opts.env and os.sep in opts.env and os.path.isfile(os.path.join(opts.env, "pyvenv.cfg")):
        env = opts.env  # virtualenvwrapper passes the env's path
    else:
        _, env = registry.current(opts.env, _who(prog))
    project = os.path.abspath(os.path.expanduser(opts.project)) if opts.project else os.getcwd()
    registry.check_project_file(project)
    registry.set_project(env, project)
    registry.name_in_project(os.path.abspath(env))
    say(f"Setting project for {os.path.basename(os.path.normpath(env))} to {project}")
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
