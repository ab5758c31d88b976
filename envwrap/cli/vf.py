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
