"""``envwrap gc``: list, and with --yes remove, the environments nobody needs
(the reasons and sizes come from :mod:`envwrap.env.sizes`)."""

from __future__ import annotations

import os
import sys
import time

from envwrap.core.errors import UserError, one_line, say
from envwrap.env import registry
from envwrap.env.sizes import Sizes, human_size, parse_age, reasons


def gc(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.core import home
    from envwrap.env.lifecycle import remove

    parser = Parser(prog="envwrap gc",
                    description="List the environments that match any of the criteria given (unused, broken, "
                                "project gone); remove them only with --yes. Removal is rmvirtualenv's: "
                                "its hooks run, nothing outside WORKON_HOME is touched, the active env stays.")
    parser.add_argument("--unused", metavar="AGE",
                        help="not used for AGE: a whole number of days or weeks, like 90d or 12w")
    parser.add_argument("--broken", action="store_true", help="whose base Python is gone or that cannot be read")
    parser.add_argument("--missing-project", action="store_true", help="whose project directory is gone")
    parser.add_argument("--yes", action="store_true", help="remove them (without it nothing is removed)")
    opts = parser.parse_args(args)
    if opts.unused is None and not opts.broken and not opts.missing_project:
        raise UserError("gc: say what to collect: --unused AGE, --broken and/or --missing-project", 2)
    unused = parse_age(opts.unused) if opts.unused is not None else None
    root = home.workon_home()
    now = time.time()
    chosen: list[tuple[str, str, list[str], int]] = []
    with Sizes(root) as sizes:
        for name in registry.listing(root):
            path = os.path.join(root, name)
            why = reasons(path, unused, opts.broken, opts.missing_project, now)
            if not why:
                continue
            if registry.is_active(path):
                say(f"envwrap: gc: keeping '{name}': it is active")
                continue
            chosen.append((name, path, why, sizes.of(path)))
    total = sum(size for *_, size in chosen)
    if not chosen:
        say("envwrap: gc: nothing to remove")
        return 0
    if not opts.yes:
        for name, _, why, size in chosen:
            _line(f"{name} ({human_size(size)}): {'; '.join(why)}")
        say(f"envwrap: gc: would remove {len(chosen)} environment(s), {human_size(total)}; "
            "nothing was removed (add --yes to remove them)")
        return 0
    status = 0
    freed = 0
    for name, path, _, size in chosen:
        # Judged again right before removal: it may have been used meanwhile.
        why = reasons(path, unused, opts.broken, opts.missing_project, time.time())
        if not why:
            say(f"envwrap: gc: keeping '{name}': it no longer matches")
            continue
        try:
            remove(name)
        except UserError as exc:
            say(f"envwrap: gc: {exc}")
            status = exc.status
            continue
        freed += size
        _line(f"removed {name} ({human_size(size)}): {'; '.join(why)}")
    say(f"envwrap: gc: freed {human_size(freed)}")
    return status


def _line(text: str) -> None:
    sys.stdout.write(one_line(text) + "\n")
    sys.stdout.flush()
