"""``envwrap export``, ``import`` and ``upgrade``: manifests in and out, and
rebuilding an environment on another Python.
"""

from __future__ import annotations

import os
import sys

from envwrap.cli.output import _out
from envwrap.core.errors import UserError, say


def cmd_export(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import manifest, registry

    parser = Parser(prog="envwrap export",
                    description="Write an environment's manifest (TOML: Python version, creator, pinned "
                                "distributions, editables, project, add2virtualenv paths, hooks), from which "
                                "'envwrap import' makes it again; to standard output unless -o. With --format "
                                "pylock, a standard lock file (PEP 751) that 'pip install -r' (pip 26.1 or later), "
                                "'uv pip install -r' and 'envwrap import' install.")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument("--format", choices=("toml", "requirements", "pylock"), default="toml",
                        help="toml: the manifest (the default); requirements: a plain requirements file; "
                             "pylock: a pylock.toml, every distribution with the artifact it came from and its hash")
    opts = parser.parse_args(args)
    if opts.format == "pylock":
        from envwrap.env import pylock

        text = pylock.dumps(pylock.build(opts.name, registry.path_of(opts.name)))
        if opts.output is None:
            sys.stdout.write(text)
        else:
            say(f"envwrap: wrote {manifest.write(opts.output, text)}")
        return 0
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
                    description="Make an environment from a manifest written by 'envwrap export', or from a "
                                "pylock.toml (PEP 751, any tool's; installed by uv, or pip 26.1 or later, which "
                                "check every hash) (default NAME: the one it was exported from), through the "
                                "normal creation path.")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("name", nargs="?", metavar="NAME")
    parser.add_argument("-p", "--python", metavar="PYTHON", help="interpreter to use instead of the "
                        "manifest's version")
    opts = parser.parse_args(args)
    from envwrap.env import pylock

    if pylock.is_lock(opts.file):
        _out(pylock.create_from(pylock.load(opts.file), opts.file, opts.name, opts.python))
        return 0
    data = manifest.load(opts.file)
    _out(manifest.create_from(data, opts.name, opts.python))
    return 0


def cmd_upgrade(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.core import home
    from envwrap.env import creators, registry, upgrade

    parser = Parser(prog="envwrap upgrade",
                    description="Rebuild environments on another Python (default: the same X.Y as before, "
                                "found again), keeping their distributions at the same versions, editables, "
                                "project, hooks, add2virtualenv paths and prompt. Each is built in a stage and "
                                "swapped in only when complete; on any failure the old one is untouched. "
                                "Distributions are installed by uv when it is installed (ENVWRAP_INSTALLER=pip "
                                "keeps pip), else by pip: from its cache when there, else from your package "
                                "index, or the URL a distribution was installed from.")
    parser.add_argument("-p", "--python", metavar="PYTHON", help="the interpreter to rebuild on")
    parser.add_argument("--dry-run", action="store_true", help="say what would be done; change nothing")
    parser.add_argument("--all-broken", action="store_true",
                        help="every environment that is broken or whose packages its Python cannot see")
    parser.add_argument("names", nargs="*", metavar="NAME")
    opts = parser.parse_args(args)
    if opts.all_broken == bool(opts.names):
        raise UserError("upgrade: name environments, or give --all-broken (not both)", 2)
    root = home.existing_workon_home()
    if opts.all_broken:
        targets = [n for n in registry.listing(root)
                   if registry.broken(os.path.join(root, n)) or registry.packages_mismatch(os.path.join(root, n))]
        if not targets:
            say("envwrap: no environment is broken")
            return 0
    else:
        targets = list(opts.names)
    status = 0
    for name in targets:
        try:
            path = registry.path_of(name)
        except UserError as exc:
            say(f"envwrap: upgrade: {exc}")
            status = exc.status or 1
            continue
        try:
            if registry.is_active(path):
                raise UserError(f"environment '{name}' is active: deactivate it first")
            data = upgrade.describe(name, path)
            exe, version = upgrade._target_python(data, opts.python)
            before = data.get("python", "unknown")
            dists = data.get("distributions", []) + [f"-e {e}" for e in data.get("editable", [])]
            shown = ", ".join(dists) if dists else "none"
            problem = registry.broken(path)
            head = f"{name}: Python {before} -> {version} ({exe or creators.own_base_python()})"
            if problem:
                head += f"; now {problem}"
            if opts.dry_run:
                print(head, flush=True)
                print(f"  distributions: {shown}", flush=True)
                for key, label in (("project", "project"), ("paths", "add2virtualenv paths"),
                                   ("hooks", "hooks")):
                    if data.get(key):
                        value = data[key]
                        value = ", ".join(value) if isinstance(value, (list, dict)) else value
                        print(f"  {label}: {value}", flush=True)
                continue
            say(f"envwrap: upgrading {head}")
            upgrade._rebuild(name, path, data, exe or creators.own_base_python())
            say(f"envwrap: upgraded '{name}' to Python {version}")
        except UserError as exc:
            say(f"envwrap: upgrade {name}: {exc}; the old environment is untouched")
            status = exc.status or 1
    return status
