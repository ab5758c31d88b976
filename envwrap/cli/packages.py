"""``envwrap sitepackages``, ``add-path``, ``toggle-global``, ``wipe``, ``pythons``,
``seed``: what an environment's Python sees and which pip new ones get.
"""

from __future__ import annotations

import os
import sys

from envwrap.cli.output import _out, _tell, _who
from envwrap.core.errors import say


def cmd_sitepackages(args: list[str], prog: str = "envwrap sitepackages") -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import registry, sitepackages

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


def cmd_add_path(args: list[str], prog: str = "envwrap add-path") -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import registry, sitepackages

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


def cmd_toggle(args: list[str], prog: str = "envwrap toggle-global") -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import pyvenv, registry

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


def cmd_wipe(args: list[str], prog: str = "envwrap wipe") -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import pip, registry

    parser = Parser(prog=prog, description="Uninstall every package from an environment (default: the active one).")
    parser.add_argument("name", nargs="?", metavar="NAME", help="an environment's name (default: the active one)")
    opts = parser.parse_args(args)
    _, env = registry.current(opts.name, _who(prog))
    removed = pip.wipe(env)
    count = len(removed)
    print(f"Removed {count} package{'' if count == 1 else 's'}." if count else "Nothing to remove.",
          file=sys.stderr)
    return 0


def cmd_pythons(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import pythons

    parser = Parser(prog="envwrap pythons",
                    description="List the Python interpreters that -p VERSION can find: on PATH "
                                "(pythonX.Y), pyenv's, uv's, and the py launcher's on Windows.")
    parser.parse_args(args)
    everyone = pythons.everything()
    pythons.remember(everyone)
    for found in sorted(everyone, key=pythons.Found.key):
        version = found.version
        if found.source == "PATH":  # the name says X.Y; ask it for the rest
            version = pythons._full_version(found) or f"{version} (does not run)"
        sys.stdout.write(f"{version:<12} {found.source:<5} {found.path}\n")
    return 0


def cmd_seed(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import creators
    from envwrap.seeding import cache
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
        got, failed = cache.update(pythons)
        for wheel in got:
            say(f"envwrap: downloaded {wheel}")
    for python in pythons:
        _out(seeding.describe(python, default=python is default))
    for line in failed:
        say(f"envwrap: {line}")
    return 1 if failed else 0
