"""Every user command and every public ``envwrap`` verb, described once.

The shell files' command functions and TAB registrations (generated into
``shell/envwrap.{bash,zsh,fish,ps1}`` by ``make shells``, see :mod:`envwrap._gen`),
``envwrap --help``, :data:`envwrap.cli.COMMAND_VERBS`, ``NAME_VERBS`` and
``NAMES_VERBS``, and the tests' lists of commands all follow from these two tables;
tests fail when a shell file, the README or the CLI disagrees with them. Adding a
command is one row here plus its backend function.

Plain tuples and strings: this is imported only where a table is needed (usage,
``--help`` of a shell command, the generator, tests), and costs nothing there.
"""

from __future__ import annotations

# How a shell function reaches the backend.
EVAL = "eval"    # evaluates the shell code of `envwrap sh SHELL VERB ...` (__envwrap_run)
CALL = "call"    # runs `envwrap VERB ...` for its output and status (__envwrap_call)
SHELL = "shell"  # pure shell: no process (only --help asks the backend)

# What TAB completes for a command's arguments.
NAMES = "names"                 # environment names, at every argument
FIRST_NAME = "first-name"       # a name as the first argument only (mv OLD NEW: NEW is free)
NAME_THEN_FILES = "name-files"  # a name first, then file names (setvirtualenvproject ENV DIR)
SUBDIRS = "subdirs"             # directories inside the active env
SITE_SUBDIRS = "site-subdirs"   # directories inside the active env's site-packages
VERBS = "verbs"                 # envwrap's public verbs, then names where the verb takes one
COMMAND = "command"             # a program and its arguments (fish; elsewhere the shell's default)
PYTHON = "python"               # after -p/--python the versions `envwrap pythons` found; else the default
NOTHING = ""                    # no registration: the shell's default (options, files)


class Command:
    """One user command of the shell files."""

    __slots__ = ("name", "verb", "kind", "takes_name", "completes", "custom", "summary")

    def __init__(self, name: str, verb: str | None, kind: str, completes: str, summary: str,
                 takes_name: bool = False, custom: str = ""):
        self.name = name
        # The backend verb: for EVAL (and SHELL's --help) `envwrap sh SHELL <verb>`;
        # for CALL the shell calls `envwrap <name>`, which is `envwrap <verb>` named
        # after the command (so --help and messages name it). None: envwrap itself.
        self.verb = verb
        self.kind = kind
        self.takes_name = takes_name
        self.completes = completes
        # Why the body is hand-written in each shell file (empty: generated).
        self.custom = custom
        self.summary = summary  # fish's --description

    def __repr__(self) -> str:
        return f"Command({self.name!r})"


COMMANDS = (
    Command("workon", "workon", EVAL, NAMES, "Activate an environment; with no name, list them",
            takes_name=True, custom="with no argument it lists the names in the shell, no process"),
    Command("mkvirtualenv", "mkvirtualenv", EVAL, PYTHON,
            "Create an environment in WORKON_HOME and activate it"),
    Command("mktmpenv", "mktmpenv", EVAL, PYTHON, "Create a temporary environment, removed when deactivated"),
    Command("cpvirtualenv", "cpvirtualenv", EVAL, NAMES, "Copy an environment and activate the copy",
            takes_name=True),
    Command("mkproject", "mkproject", EVAL, PYTHON,
            "Create a project directory in PROJECT_HOME and its environment"),
    Command("cdsitepackages", "cdsitepackages", EVAL, SITE_SUBDIRS, "cd to the active environment's site-packages"),
    Command("cdproject", "cdproject", EVAL, NOTHING, "cd to the active environment's project directory"),
    Command("showvirtualenv", "show", CALL, NAMES, "Show details of an environment (default: the active one)",
            takes_name=True),
    Command("lssitepackages", "sitepackages", CALL, NAMES, "List site-packages (default: the active environment's)",
            takes_name=True),
    Command("add2virtualenv", "add-path", CALL, NOTHING, "Add directories to the active environment's import path"),
    Command("toggleglobalsitepackages", "toggle-global", CALL, NAMES,
            "Turn access to the base interpreter's packages on or off", takes_name=True),
    Command("wipeenv", "wipe", CALL, NAMES, "Uninstall every package (default: from the active environment)",
            takes_name=True),
    Command("setvirtualenvproject", "project", CALL, NAME_THEN_FILES, "Bind an environment to a project directory",
            takes_name=True),
    Command("mvvirtualenv", "mv", CALL, FIRST_NAME, "Rename an environment", takes_name=True),
    Command("allvirtualenv", "allvirtualenv", CALL, COMMAND, "Run a command in every environment"),
    Command("rmvirtualenv", "rm", CALL, NAMES, "Remove environments", takes_name=True,
            custom="first leaves a directory inside an environment it removes"),
    Command("lsvirtualenv", "ls", CALL, NOTHING, "List the environments (-b: names only, -l: details)",
            custom="-b lists the names in the shell, no process"),
    Command("cdvirtualenv", "cdvirtualenv", SHELL, SUBDIRS, "cd to the active environment's directory",
            custom="a cd in the shell, no process"),
    Command("envwrap", None, CALL, VERBS, "The envwrap command, with the settings of this shell",
            custom="envwrap config KEY VALUE also updates this shell's WORKON_HOME"),
)

BY_NAME = {c.name: c for c in COMMANDS}


# The public verbs of `envwrap`, in the order --help lists them: (verb, its
# arguments as --help shows them, what it does, which arguments TAB completes as
# environment names: "" none, "first" the first, "every" all of them).
VERB_ROWS = (
    ("init", "[SHELL]", "print the code that loads envwrap into bash, zsh, fish or powershell", ""),
    ("demo", "[SHELL]", "interactive shell with envwrap and a throwaway WORKON_HOME", ""),
    ("ls", "[-l|--json]", "list environments (-l: python, status, last used, size, project)", ""),
    ("path", "NAME", "print an environment's directory", "first"),
    ("show", "[NAME] [--json]", "details of an environment", "first"),
    ("run", "NAME -- CMD...", "run CMD inside an environment, without activating it here", "first"),
    ("shell", "NAME", "start your shell with an environment active; exit returns here", "first"),
    ("which", "NAME CMD", "print the path of CMD inside an environment", "first"),
    ("vars", "[NAME] [set K=V...|unset K...]", "the environment's own variables (workon exports them)", "first"),
    ("gc", "[OPTIONS]", "list (with --yes: remove) unused, broken or orphaned environments", ""),
    ("new", "NAME [OPTIONS]", "create an environment (mkvirtualenv without activating)", ""),
    ("rm", "NAME...", "remove environments", "every"),
    ("cp", "SRC [DEST]", "copy an environment", "first"),
    ("mv", "OLD NEW", "rename an environment (mvvirtualenv)", "first"),
    ("export", "NAME [-o FILE]", "write a TOML manifest of an environment (--format requirements)", "first"),
    ("import", "FILE [NAME]", "make an environment from a manifest", ""),
    ("project", "[ENV [DIR]]", "bind an environment to a project directory", "first"),
    ("sitepackages", "[NAME]", "list site-packages (--path: print the directory)", "first"),
    ("add-path", "[-d] DIR...", "add2virtualenv", ""),
    ("toggle-global", "[-q]", "toggleglobalsitepackages", ""),
    ("wipe", "[NAME]", "uninstall every package", "first"),
    ("repair", "NAME [-p PY]", "re-point a broken environment at a working Python", "first"),
    ("upgrade", "[-p PY] NAME...", "rebuild on another Python, keeping packages (--all-broken, --dry-run)", "every"),
    ("pythons", "", "the interpreters -p VERSION finds (PATH, pyenv, uv, py launcher)", ""),
    ("doctor", "[--fix] [--json]", "list problems: broken envs, leftovers, settings", ""),
    ("config", "[KEY [VALUE]]", "show or set workon_home, project_home, creator, python", ""),
    ("allow", "[DIR]", "let auto-activation activate DIR's .venv (--revoke, --list)", ""),
    ("seed", "[--update]", "which pip new environments get, from where (--update: get the newest)", ""),
)

PUBLIC_VERBS = tuple(row[0] for row in VERB_ROWS)
NAME_VERBS = frozenset(row[0] for row in VERB_ROWS if row[3])
NAMES_VERBS = frozenset(row[0] for row in VERB_ROWS if row[3] == "every")

# Shell command -> the backend verb it is (`envwrap lsvirtualenv` is `envwrap ls`).
COMMAND_VERBS = {c.name: c.verb for c in COMMANDS if c.kind == CALL and c.verb and c.verb != c.name}


def usage() -> str:
    """``envwrap --help``."""
    lines = ["usage: envwrap VERB [ARGS...]   (envwrap VERB --help for each)", ""]
    for verb, synopsis, summary, _ in VERB_ROWS:
        head = f"{verb} {synopsis}".rstrip()
        # The summaries line up in one column; a head too long for it takes two spaces.
        lines.append(f"  {head:<20} {summary}" if len(head) <= 21 else f"  {head}  {summary}")
    return "\n".join(lines) + "\n"
