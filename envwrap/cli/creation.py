"""The options every command that makes an environment shares (mkvirtualenv,
mktmpenv, mkproject, envwrap new), and the creators.CreateOptions they become."""

from __future__ import annotations

import os


def _own_python_shown() -> str:
    import sys

    from envwrap.env.creators import own_base_python

    shown = f"{'.'.join(map(str, sys.version_info[:3]))} at {own_base_python()}"
    return shown.replace("%", "%%")  # argparse %-formats help texts


# The creation options argparse would accept, in the plainest spellings: the
# flags (dest, value) and the options that take the next word (dest, repeated).
_FLAGS = {"--without-pip": ("without_pip", True), "--no-pip": ("without_pip", True),
          "--system-site-packages": ("system_site_packages", True), "--copies": ("links", "copies"),
          "--symlinks": ("links", "symlinks"), "--clear": ("clear", True), "--upgrade-deps": ("upgrade_deps", True),
          "--without-scm-ignore-files": ("without_scm_ignore_files", True)}
_VALUED = {"-a": ("project", False), "-i": ("packages", True), "-r": ("requirements", True),
           "-p": ("python", False), "--python": ("python", False), "--creator": ("creator", False),
           "--prompt": ("prompt", False)}


class Options:
    """What :func:`creation_parser` 's parse gives, made without argparse."""

    def __init__(self, **values):
        self.__dict__.update(values)


def quick_parse(args: list[str], positional: str = "name", extra_dests: tuple[str, ...] = ()):
    """(options, []) as ``creation_parser(...).parse_known_args(args)`` gives them
    for a plain command line (the options above, each spelled out, and one name),
    without importing argparse (about a quarter of the time of creating an env
    without pip); None for anything else (help, an unknown or abbreviated
    option, ``--opt=value``, a missing value, ``--copies`` with ``--symlinks``):
    argparse then parses it, and says what is wrong."""
    from envwrap.core.settings import CREATORS

    values: dict = {"project": None, "packages": [], "requirements": [], "python": None, "creator": None,
                    "without_pip": False, "system_site_packages": False, "prompt": None, "links": None,
                    "clear": False, "upgrade_deps": False, "without_scm_ignore_files": False, positional: None}
    values.update(dict.fromkeys(extra_dests))
    links = set()
    words = iter(args)
    for word in words:
        if word in _FLAGS:
            dest, value = _FLAGS[word]
            if dest == "links":
                links.add(word)
            values[dest] = value
        elif word in _VALUED:
            dest, repeated = _VALUED[word]
            value = next(words, None)
            if value is None or value.startswith("-") or (dest == "creator" and value not in CREATORS):
                return None
            if repeated:
                values[dest].append(value)
            else:
                values[dest] = value
        elif word.startswith("-") or values[positional] is not None or not word:
            return None
        else:
            values[positional] = word
    if values[positional] is None or len(links) > 1:
        return None
    return Options(**values), []


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
                        help="how to create it (default: config file, else auto: venv's tree from envwrap's cache)")
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
