"""What fish's ``vf`` asks the backend for beyond envwrap's own commands:
virtualfish's verbs whose rules are more than a call of one of them (hidden
verbs of the table, ``envwrap vf-SUBCOMMAND``; their messages name vf's commands).
"""

from __future__ import annotations

import os

from envwrap.core.errors import UserError

ACTIONS = ("toggle", "enable", "disable")


def cmd_globalpackages(args: list[str]) -> int:
    """``vf globalpackages [toggle|enable|disable] [-q]``: toggleglobalsitepackages
    for the active environment; enable and disable leave it alone when its access
    to the base interpreter's packages already is so."""
    from envwrap.cli.argparsing import Parser
    from envwrap.cli.packages import cmd_toggle
    from envwrap.core.layout import read_cfg
    from envwrap.env import registry

    parser = Parser(prog="vf globalpackages", description="Turn the active environment's access to the base "
                                                          "interpreter's packages on or off (default: toggle).")
    parser.add_argument("-q", dest="quiet", action="store_true", help="say nothing")
    parser.add_argument("action", nargs="?", default="toggle", metavar="|".join(ACTIONS))
    opts = parser.parse_args(args)
    if not os.environ.get("VIRTUAL_ENV"):
        raise UserError("vf globalpackages: no environment is active")
    if opts.action not in ACTIONS:
        raise UserError(f"vf globalpackages: unknown action {opts.action} (toggle, enable or disable)", 2)
    _, env = registry.current(None, "vf globalpackages")
    if opts.action != "toggle":
        try:
            on = read_cfg(os.path.join(env, "pyvenv.cfg")).get("include-system-site-packages", "").lower() == "true"
        except (OSError, UnicodeError) as exc:
            raise UserError(f"vf globalpackages: cannot read {env}/pyvenv.cfg: {exc}") from None
        if on == (opts.action == "enable"):
            return 0
    return cmd_toggle(["-q"] if opts.quiet else [], prog="toggleglobalsitepackages")


def activate(shell, args: list[str]):
    """``vf activate NAME`` (``envwrap sh SHELL vf-activate``): workon's plan
    without the cd, with virtualfish's statuses: 1 when no name is given, 2 for
    an environment that does not exist."""
    from envwrap.cli import table
    from envwrap.cli.argparsing import Parser
    from envwrap.core import home

    if not args:
        raise UserError("vf activate: name an environment (vf ls lists them)")
    parser = Parser(prog="vf activate", description="Activate an environment without a cd (workon --no-cd NAME).")
    parser.add_argument("name", metavar="NAME")
    name = parser.parse_args(args).name
    try:  # workon's handler, as the table names it
        return table.handler(table.PLAN_HANDLERS["workon"])(shell, ["--no-cd", name])
    except UserError as exc:
        if not os.path.exists(os.path.join(home.workon_home(), name)):
            exc.status = 2
        raise


def connect(shell, args: list[str]):
    """``vf connect [NAME]`` (``envwrap sh SHELL vf-connect``): activate NAME (no
    cd) when given, and write the active environment's name into ./.venv, as
    virtualfish does (auto-activation reads it). Where .venv is a directory,
    nothing is written and nothing activated."""
    from envwrap.cli.argparsing import Parser
    from envwrap.shells.plan import Plan

    parser = Parser(prog="vf connect", description="Connect the active environment (or NAME, activated first) "
                                                  "to this directory: its name goes into ./.venv.")
    parser.add_argument("name", nargs="?", metavar="NAME")
    opts = parser.parse_args(args)
    env = opts.name or os.environ.get("VIRTUAL_ENV")
    if not env:
        raise UserError("vf connect: no environment is active (vf connect NAME, or vf activate NAME first)")
    plan = activate(shell, [opts.name]) if opts.name else Plan()
    if os.path.islink(".venv"):  # never written through: it may lead anywhere
        raise UserError("vf connect: .venv here is a symbolic link; nothing written")
    if os.path.isdir(".venv"):
        raise UserError("vf connect: .venv here is a directory; nothing written")
    try:
        fd = os.open(".venv", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o666)
        with open(fd, "w", encoding="utf-8") as f:
            f.write(os.path.basename(env.rstrip(os.sep)) + "\n")
    except OSError as exc:
        raise UserError(f"vf connect: cannot write .venv: {exc.strerror}") from None
    return plan
