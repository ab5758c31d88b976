"""The options every command that makes an environment shares (mkvirtualenv,
mktmpenv, mkproject, envwrap new), and the creators.CreateOptions they become."""

from __future__ import annotations

import os


def _own_python_shown() -> str:
    import sys

    from envwrap.env.creators import own_base_python

    shown = f"{'.'.join(map(str, sys.version_info[:3]))} at {own_base_python()}"
    return shown.replace("%", "%%")  # argparse %-formats help texts


def creation_parser(prog: str, description: str, project_option: bool = True):
    from envwrap.cli.argparsing import HIDDEN, Parser

    parser = Parser(prog=prog, description=description)
    parser.add_argument("-a", dest="project", metavar="PROJECT",
                        help="associate an existing project directory" if project_option else HIDDEN)
    parser.add_argument("-i", dest="packages", metavar="PACKAGE", action="append", default=[],
                        help="install a package after creating (repeatable)")
    parser.add_argument("-r", dest="requirements", metavar="FILE", action="append", default=[],
                        help="install a requirements file after creating (repeatable)")
    parser.add_argument("-p", "--python", dest="python", metavar="PYTHON",
                        help="interpreter to base the environment on: a name, version or path (default: "
                             "'python' in the config file, else the Python envwrap runs on, "
                             f"{_own_python_shown()})")
    from envwrap.core.settings import CREATORS

    parser.add_argument("--creator", choices=CREATORS,
                        help="how to create it (default: config file, else auto: venv's tree replayed from envwrap's cache)")
    parser.add_argument("--without-pip", "--no-pip", dest="without_pip", action="store_true",
                        help="do not install pip")
    parser.add_argument("--system-site-packages", action="store_true",
                        help="give access to the base interpreter's packages")
    parser.add_argument("--prompt", help="prompt prefix (default: the name)")
    links = parser.add_mutually_exclusive_group()
    links.add_argument("--copies", dest="links", action="store_const", const="copies",
                       help="copy the interpreter instead of linking to it (creator venv or virtualenv)")
    links.add_argument("--symlinks", dest="links", action="store_const", const="symlinks",
                       help="link to the interpreter (the default, except on Windows)")
    parser.add_argument("--clear", action="store_true",
                        help="accepted as python -m venv does; a new environment always starts empty")
    parser.add_argument("--upgrade-deps", action="store_true",
                        help="upgrade pip from the package index after creating (needs the network)")
    parser.add_argument("--without-scm-ignore-files", action="store_true",
                        help="leave out the .gitignore that makes git ignore the environment")
    return parser


def create_options(opts, extra: list[str]):  # a creators.CreateOptions
    from envwrap.env.creators import CreateOptions

    return CreateOptions(
        python=opts.python,
        creator=opts.creator,
        system_site_packages=opts.system_site_packages,
        without_pip=opts.without_pip,
        packages=tuple(opts.packages),
        requirements=tuple(os.path.abspath(r) for r in opts.requirements),
        project=opts.project if getattr(opts, "project", None) else None,
        prompt=opts.prompt,
        creator_args=tuple(extra),
        links=opts.links,
        clear=opts.clear,
        upgrade_deps=opts.upgrade_deps,
        scm_ignore_files=not opts.without_scm_ignore_files,
    )
