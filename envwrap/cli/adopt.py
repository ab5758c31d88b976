"""``envwrap adopt``: bring environments other tools made into WORKON_HOME
(``--scan`` lists them). What it does is :mod:`envwrap.env.adopt`."""

from __future__ import annotations

import os

from envwrap.cli.output import JSON_VERSION, _json, _tell
from envwrap.core.errors import UserError, say


def cmd_adopt(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="envwrap adopt",
                    description="Bring an environment made by pyenv-virtualenv, pipenv, poetry, scuv, uv or a "
                                "project's own .venv into WORKON_HOME under NAME (default: its name without the "
                                "tool's hash). It is moved (--copy: copied, the source keeps working) and "
                                "rewritten to work there; its project comes along.")
    parser.add_argument("--scan", action="store_true",
                        help="list the environments found (other tools' places, .venv dirs here and below)")
    parser.add_argument("--json", action="store_true", help="with --scan: the list as JSON")
    parser.add_argument("-n", "--dry-run", action="store_true", help="say what would happen, change nothing")
    parser.add_argument("--copy", action="store_true", help="copy instead of moving: the source stays")
    parser.add_argument("path", nargs="?", metavar="PATH", help="the environment's directory")
    parser.add_argument("name", nargs="?", metavar="NAME", help="its name in WORKON_HOME")
    opts = parser.parse_args(args)
    if opts.scan:
        if opts.path or opts.copy or opts.dry_run:
            raise UserError("adopt --scan takes no PATH, --copy or --dry-run (--json only)", 2)
        return _scan(opts.json)
    if opts.json:
        raise UserError("adopt: --json goes with --scan", 2)
    if not opts.path:
        raise UserError("adopt: name the environment's directory (PATH), or list candidates with --scan", 2)
    from envwrap.env import adopt

    plan = adopt.plan(opts.path, opts.name, copy=opts.copy)
    if opts.dry_run:
        for line in plan.lines():
            _tell(f"would {line}")
        return 0
    path = adopt.adopt(plan)
    say(f"Adopted {plan.src} as {plan.name} ({path})")
    if plan.left:
        say(f"envwrap: note: {plan.left}")
    return 0


def _scan(as_json: bool) -> int:
    from envwrap.core import home
    from envwrap.env import adopt, scan

    root = home.workon_home()
    if os.path.isdir(root):
        adopt.recover(root)  # an adoption a kill stopped after its publish
    found = scan.scan(os.getcwd(), os.environ, inside=root)
    if as_json:
        _json({"version": JSON_VERSION, "candidates": [c.as_dict() for c in found]})
        return 0
    for cand in found:
        extra = " (conda: not a venv)" if cand.conda else ""
        extra += f" project {cand.project}" if cand.project else ""
        _tell(f"{cand.name}  ({cand.tool})  {cand.path}{extra}")
    if not found:
        say("envwrap: no environments of other tools found")
    return 0
