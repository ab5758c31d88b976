"""``envwrap kernel add|rm|ls``: Jupyter kernels that run inside an environment
(the kernelspecs themselves are :mod:`envwrap.env.kernels`').
"""

from __future__ import annotations

import os

from envwrap.cli.output import JSON_VERSION, _json, _out, _tell
from envwrap.core.errors import UserError, say


def cmd_kernel(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="envwrap kernel",
                    description="Jupyter kernels that run inside an environment: add writes a kernelspec "
                                "(kernel.json) into your Jupyter data directory ($JUPYTER_DATA_DIR, else "
                                "~/.local/share/jupyter on Linux), rm removes it, ls lists envwrap's. "
                                "mvvirtualenv moves an env's kernel with it and rmvirtualenv removes it; "
                                "kernelspecs envwrap did not write are never touched.")
    verbs = parser.add_subparsers(dest="action", metavar="add|rm|ls")
    add = verbs.add_parser("add", prog="envwrap kernel add", help="write the env's kernelspec",
                           description="Write a Jupyter kernelspec that starts the env's python with "
                                       "ipykernel (default: the active env).")
    add.add_argument("name", nargs="?", metavar="NAME")
    add.add_argument("--install", action="store_true",
                     help="install ipykernel into the env first when it lacks it (with uv or the env's pip)")
    rm = verbs.add_parser("rm", prog="envwrap kernel rm", help="remove the kernelspec envwrap wrote for an env",
                          description="Remove the kernelspec envwrap wrote for an environment (also when the "
                                      "environment is gone).")
    rm.add_argument("name", metavar="NAME")
    ls = verbs.add_parser("ls", prog="envwrap kernel ls", help="list envwrap's kernelspecs",
                          description="List the kernelspecs envwrap wrote, flagging broken ones (environment "
                                      "gone, python missing).")
    ls.add_argument("--json", action="store_true", help="as JSON")
    opts = parser.parse_args(args)
    if opts.action == "add":
        return _add(opts.name, opts.install)
    if opts.action == "rm":
        return _rm(opts.name)
    if opts.action == "ls":
        return _ls(opts.json)
    raise UserError("kernel: name an action: add, rm or ls (see envwrap kernel --help)", 2)


def _add(name: str | None, install: bool) -> int:
    from envwrap.core.layout import Layout
    from envwrap.env import kernels, registry

    name, path = registry.current(name, "kernel add")
    problem = registry.broken(path)
    if problem:
        raise UserError(f"kernel add: '{name}' is broken ({problem}); envwrap repair {name} first")
    kernels.check_writable()  # before anything is installed
    layout = Layout.of(path)
    if not kernels.has_ipykernel(layout.python):
        if not install:
            import shlex

            raise UserError(f"kernel add: '{name}' has no ipykernel: 'envwrap kernel add --install "
                            f"{shlex.quote(name)}' installs it (or 'envwrap run {shlex.quote(name)} -- python -m "
                            "pip install ipykernel', then add the kernel)")
        _install_ipykernel(name, layout)
        if not kernels.has_ipykernel(layout.python):
            raise UserError(f"kernel add: ipykernel was installed into '{name}' but its python cannot "
                            "import ipykernel_launcher; no kernel added")
    directory = kernels.add(name, os.path.abspath(path))
    say(f"Added Jupyter kernel '{os.path.basename(directory)}' for {name}")
    _out(directory)
    return 0


def _install_ipykernel(name: str, layout) -> None:
    """ipykernel into an existing env: with uv when the installer setting allows
    it and uv is there, else with the env's own pip."""
    from envwrap.env import pip, uvinstall

    try:
        uv = uvinstall.uv_for_install()
        if uv is not None:
            uvinstall.install(uv, layout.python, ["ipykernel"])
        elif not os.path.isdir(os.path.join(layout.site_packages() or layout.root, "pip")):
            raise UserError(f"'{name}' has no pip and uv is not installed: install ipykernel into it yourself")
        else:
            pip.install(layout, ["ipykernel"])
    except UserError as exc:
        message = str(exc).replace("; the environment was not created", "")
        raise UserError(f"kernel add: {message}; no kernel added", exc.status) from None


def _rm(name: str) -> int:
    from envwrap.core import home, names
    from envwrap.env import kernels

    names.validate(name)
    path = os.path.join(home.workon_home(), name)
    removed = kernels.remove(path)
    if removed is None:
        # An env of another WORKON_HOME, or one renamed by hand: by the name its
        # spec records, or by the kernel's own name, when exactly one matches.
        found = [k for k in kernels.listing() if name in (k.env_name, k.name)]
        if len(found) > 1:
            raise UserError(f"kernel rm: several of envwrap's kernels are for '{name}' "
                            f"({', '.join(k.dir for k in found)}); remove the one you mean by hand")
        if not found:
            raise UserError(f"kernel rm: envwrap wrote no kernel for '{name}' (envwrap kernel ls lists them)")
        removed = kernels.remove(found[0].env_path)
    if removed is not None:
        say(f"Removed Jupyter kernel '{removed.name}' ({removed.dir})")
    return 0


def _ls(as_json: bool) -> int:
    from envwrap.env import kernels

    found = kernels.listing()
    if as_json:
        _json({"version": JSON_VERSION, "kernels": [k.as_dict() for k in found]})
        return 0
    for k in found:
        problem = k.problem()
        _tell(f"{k.name}  {k.env_name}  {k.env_path}" + (f"  BROKEN: {problem}" if problem else ""))
    return 0
