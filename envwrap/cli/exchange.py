"""``envwrap export``, ``import`` and ``upgrade``: manifests in and out, and
rebuilding an environment on another Python.
"""

from __future__ import annotations

import sys

from envwrap.cli.output import _out
from envwrap.core.errors import say


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
    out = manifest.write(opts.output, text)
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
