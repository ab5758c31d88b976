"""``make shells``: write the generated sections of the shell files.

    python -m tools.gen_shells           rewrite the generated blocks of envwrap/shells/*/envwrap.*
    python -m tools.gen_shells --check   exit 1 (naming the files) if any is out of date

Each shell file keeps a few blocks between ``# BEGIN generated: WHAT`` and
``# END generated: WHAT`` lines; their text is made from
:mod:`envwrap.cli.table` (the commands, their TAB registrations), the parsers
the backend builds (the options) and the settings table, so the four shells
define the same commands and register the same completions. This module knows
no shell: each shell's dialect, ``envwrap/shells/<name>/generate.py``, says
which blocks its hook file has and writes them (``BLOCKS``: block -> (maker,
note); makers get this module as ``gen``, for the table and the options), and
which files of its folder are another shell's word for word (``COPIES``). A
dialect sits in its shell's folder, so that adding a shell is that folder (and
a test dialect); pyproject.toml leaves the dialects out of the wheel.
Everything outside the blocks is hand-written: what differs between the shells
(envwrap/shells/protocol.py lists every function a hook file defines). The
generated text is committed, so loading a shell file still runs no Python and
no process; tests/shells/test_table.py fails when regenerating would change a
file. A dev tool: nothing at run time imports it.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

from envwrap import shells
from envwrap.cli import table as t

# Each shell's hook file, relative to envwrap/shells/ (its class knows where).
SHELL_DIR = Path(shells.__file__).resolve().parent
FILES = {shell: Path(shells.get(shell).hook_file()).relative_to(SHELL_DIR).as_posix() for shell in shells.SHELLS}

TABLE_NOTE = "made by `make shells` from envwrap/cli/table.py; edit the table, not this"
OPTIONS_NOTE = "made by `make shells` from the backend's own parsers, see tools/gen_shells.py; edit those"


def dialect(shell: str):
    """The generator's dialect of ``shell``: envwrap/shells/<shell>/generate.py."""
    return importlib.import_module(f"envwrap.shells.{shell}.generate")


# The blocks of each shell's hook file: block -> (maker, note).
BLOCKS = {shell: dialect(shell).BLOCKS for shell in shells.SHELLS}

# Files that are another shell's file word for word, so that each shell's
# folder holds all its files and nobody keeps two copies by hand: copy -> its
# source, relative to envwrap/shells/ (zsh reads bash's activate script).
COPIES = {f"{shell}/{name}": source for shell in shells.SHELLS
          for name, source in getattr(dialect(shell), "COPIES", {}).items()}


def generated_commands() -> list[t.Command]:
    """The commands whose function the generator writes (not hand-written)."""
    return [c for c in t.COMMANDS if not c.custom]


def commands_with(completes: str) -> list[str]:
    return [c.name for c in t.COMMANDS if c.completes == completes]


def name_verbs() -> list[str]:
    return [v for v in t.PUBLIC_VERBS if v in t.NAME_VERBS]


def names_verbs() -> list[str]:
    return [v for v in t.PUBLIC_VERBS if v in t.NAMES_VERBS]


# ----------------------------------------------------------------- options, from the backend's parsers
# Every command's options, for TAB in every shell, come from the parser the
# command builds in the backend: it is run with --help while Parser.capture is
# on, which hands the parser over instead of parsing (nothing else runs).

class Option:
    """One option of a command, as its parser defines it."""

    __slots__ = ("shorts", "longs", "takes", "choices", "help")

    def __init__(self, shorts, longs, takes, choices, help):
        self.shorts = shorts      # ["-p"]
        self.longs = longs        # ["--python"]
        self.takes = takes        # "" (a flag), PATH (a path) or TEXT (anything else)
        self.choices = choices    # the values it accepts, when the parser lists them
        self.help = help          # a short description

    @property
    def words(self) -> list[str]:
        return self.shorts + self.longs


PATH = "path"
TEXT = "text"
# Values that are paths (a project directory, a file, an interpreter's path).
PATH_VALUES = {"FILE", "DIR", "PROJECT", "PYTHON"}


def _parser(call):
    import contextlib
    import io

    from envwrap.cli.argparsing import Captured, Parser

    Parser.capture = True
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            call()
    except Captured as got:
        return got.parser
    finally:
        Parser.capture = False
    return None


def _short_help(text: str | None) -> str:
    text = (text or "").split(" (", 1)[0].split("; ", 1)[0].strip()
    return text.rstrip(".")


def parser_options(parser) -> list[Option]:
    import argparse

    found = []
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        shorts = [o for o in action.option_strings if not o.startswith("--")]
        longs = [o for o in action.option_strings if o.startswith("--")]
        takes = ""
        if action.nargs != 0:
            metavar = action.metavar or action.dest.upper()
            takes = PATH if metavar in PATH_VALUES else TEXT
        help = "show help" if isinstance(action, argparse._HelpAction) else _short_help(action.help)
        found.append(Option(shorts, longs, takes, list(action.choices or ()), help))
    return found


def command_parser(name: str):
    """The parser of a user command (a name of table.COMMANDS)."""
    c = t.BY_NAME[name]
    if c.kind in (t.EVAL, t.SHELL):
        # (any shell: a plan's parser is the same in every one)
        parser = _parser(lambda: t.handler(t.PLAN_HANDLERS[c.verb])(shells.get(shells.SHELLS[0]), ["--help"]))
    else:
        def call():
            if c.name in t.COMMAND_VERBS:  # as dispatch calls it for its shell command
                t.handler(t.VERB_HANDLERS[c.verb])(["--help"], prog=c.name)
            else:
                t.handler(t.VERB_HANDLERS[c.verb])(["--help"])
        parser = _parser(call)
    if parser is None:
        raise ValueError(f"{name} --help built no parser: its options cannot be read")
    return parser


def command_options(name: str) -> list[Option]:
    """The options of a user command, as its parser defines them."""
    return parser_options(command_parser(name))


def verb_options(verb: str) -> list[Option]:
    """The options of ``envwrap VERB``; a verb that reads its arguments without a
    parser (run, vars, ...) has only -h/--help."""
    parser = _parser(lambda: t.handler(t.VERB_HANDLERS[verb])(["--help"]))
    if parser is None:
        return [Option(["-h"], ["--help"], "", [], "show help")]
    return parser_options(parser)


def option_commands() -> list[t.Command]:
    """The commands whose options TAB completes: every one but envwrap itself
    (whose options are its verbs')."""
    return [c for c in t.COMMANDS if c.verb]


def call_settings() -> tuple[str, ...]:
    """The user's settings every shell's __envwrap_call passes to the backend
    (its environment variables, empty when unset in the shell), from the
    settings table (envwrap.core.settings.SETTINGS)."""
    from envwrap.core.settings import call_variables

    return call_variables()


# ----------------------------------------------------------------- files

_BLOCK = re.compile(r"^# BEGIN generated: (\w+)\n.*?^# END generated: \1\n", re.M | re.S)


def render(shell: str, text: str) -> str:
    """``text`` (a shell file) with each generated block made afresh."""
    makers = BLOCKS[shell]
    seen = []

    def block(match: re.Match) -> str:
        what = match.group(1)
        if what not in makers:
            raise ValueError(f"{FILES[shell]}: unknown generated block {what!r}")
        seen.append(what)
        make, note = makers[what]
        note = {None: TABLE_NOTE, "options": OPTIONS_NOTE}.get(note, note)
        return f"# BEGIN generated: {what}\n# ({note})\n{make(sys.modules[__name__])}\n# END generated: {what}\n"

    out = _BLOCK.sub(block, text)
    if sorted(seen) != sorted(makers):
        raise ValueError(f"{FILES[shell]}: needs exactly one of each generated block {sorted(makers)}, has {seen}")
    return out


def blocks(shell: str, text: str) -> dict[str, str]:
    """The generated blocks' text in a shell file, by name."""
    return {m.group(1): m.group(0) for m in _BLOCK.finditer(text)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = argv == ["--check"]
    if argv and not check:
        print("usage: python -m tools.gen_shells [--check]", file=sys.stderr)
        return 2
    stale = []
    made = [(SHELL_DIR / name, lambda text, shell=shell: render(shell, text)) for shell, name in FILES.items()]
    made += [(SHELL_DIR / copy, lambda text, source=source: (SHELL_DIR / source).read_text(encoding="utf-8"))
             for copy, source in COPIES.items()]
    for path, make in made:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        new = make(text)
        if new != text:
            stale.append(str(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print("out of date (run make shells): " + " ".join(stale), file=sys.stderr)
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
