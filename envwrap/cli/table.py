"""Every user command and every public ``envwrap`` verb, described once.

The shell files' command functions and TAB registrations (generated into
each shell's hook file ``envwrap/shells/<name>/envwrap.<ext>`` by ``make shells``, see ``tools/gen_shells.py``),
``envwrap --help``, :data:`COMMAND_VERBS`, ``NAME_VERBS`` and ``NAMES_VERBS``,
which function runs each verb (:data:`VERB_HANDLERS`, :data:`PLAN_HANDLERS`:
dispatch imports only the module a row names), and the tests' lists of
commands all follow from these tables; tests fail when a shell file, the
README or the CLI disagrees with them. Adding a command is one row here plus
its handler.

Plain tuples, dicts and strings, and no import: dispatch reads it at every run.
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

    __slots__ = ("name", "verb", "kind", "completes", "custom", "summary", "handler")

    def __init__(self, name: str, verb: str | None, kind: str, completes: str, summary: str,
                 custom: str = "", handler: str = ""):
        self.name = name
        # The backend verb: for EVAL (and SHELL's --help) `envwrap sh SHELL <verb>`;
        # for CALL the shell calls `envwrap <name>`, which is `envwrap <verb>` named
        # after the command (so --help and messages name it). None: envwrap itself.
        self.verb = verb
        self.kind = kind
        self.completes = completes
        # Why the body is hand-written in each shell file (empty: generated).
        self.custom = custom
        self.summary = summary  # fish's --description
        # EVAL and SHELL: the function that returns the command's plan, as
        # "module:function" in envwrap.cli (a CALL command runs its verb's handler).
        self.handler = handler

    def __repr__(self) -> str:
        return f"Command({self.name!r})"


COMMANDS = (
    Command("workon", "workon", EVAL, NAMES, "Activate an environment; with no name, list them",
            custom="with no argument it lists the names in the shell, no process", handler="plans:workon"),
    Command("mkvirtualenv", "mkvirtualenv", EVAL, PYTHON,
            "Create an environment in WORKON_HOME and activate it", handler="plans:mkvirtualenv"),
    Command("mktmpenv", "mktmpenv", EVAL, PYTHON, "Create a temporary environment, removed when deactivated",
            handler="plans:mktmpenv"),
    Command("cpvirtualenv", "cpvirtualenv", EVAL, NAMES, "Copy an environment and activate the copy",
            handler="plans:cpvirtualenv"),
    Command("mkproject", "mkproject", EVAL, PYTHON,
            "Create a project directory in PROJECT_HOME and its environment", handler="plans:mkproject"),
    Command("cdsitepackages", "cdsitepackages", EVAL, SITE_SUBDIRS, "cd to the active environment's site-packages",
            handler="plans:cdsitepackages"),
    Command("cdproject", "cdproject", EVAL, NOTHING, "cd to the active environment's project directory",
            handler="plans:cdproject"),
    Command("showvirtualenv", "show", CALL, NAMES, "Show details of an environment (default: the active one)"),
    Command("lssitepackages", "sitepackages", CALL, NAMES, "List site-packages (default: the active environment's)"),
    Command("add2virtualenv", "add-path", CALL, NOTHING, "Add directories to the active environment's import path"),
    Command("toggleglobalsitepackages", "toggle-global", CALL, NAMES,
            "Turn access to the base interpreter's packages on or off"),
    Command("wipeenv", "wipe", CALL, NAMES, "Uninstall every package (default: from the active environment)"),
    Command("setvirtualenvproject", "project", CALL, NAME_THEN_FILES, "Bind an environment to a project directory"),
    Command("mvvirtualenv", "mv", CALL, FIRST_NAME, "Rename an environment"),
    Command("allvirtualenv", "allvirtualenv", CALL, COMMAND, "Run a command in every environment"),
    Command("rmvirtualenv", "rm", CALL, NAMES, "Remove environments",
            custom="then leaves a current directory the removal took, for WORKON_HOME"),
    Command("lsvirtualenv", "ls", CALL, NOTHING, "List the environments (-b: names only, -l: details)",
            custom="-b lists the names in the shell, no process"),
    Command("cdvirtualenv", "cdvirtualenv", SHELL, SUBDIRS, "cd to the active environment's directory",
            custom="a cd in the shell, no process; the backend's plan says what is wrong",
            handler="plans:cdvirtualenv"),
    Command("envwrap", None, CALL, VERBS, "The envwrap command, with the settings of this shell",
            custom="envwrap config KEY VALUE also updates this shell's WORKON_HOME"),
)

BY_NAME = {c.name: c for c in COMMANDS}


# The public verbs of `envwrap`, in the order --help lists them: (verb, its
# arguments as --help shows them, what it does, which arguments TAB completes as
# environment names: "" none, "first" the first, "every" all of them, and its
# handler: "module:function" in envwrap.cli, as pip's command table names module
# and class; dispatch imports only that module).
VERB_ROWS = (
    ("init", "[SHELL]", "print the code that loads envwrap into bash, zsh, fish or powershell", "", "config:cmd_init"),
    ("demo", "[SHELL]", "interactive shell with envwrap and a throwaway WORKON_HOME", "", "run:cmd_demo"),
    ("ls", "[-l|--json]", "list environments (-l: python, status, last used, size, project)",
      "", "environments:cmd_ls"),
    ("path", "NAME", "print an environment's directory", "first", "environments:cmd_path"),
    ("show", "[NAME] [--json]", "details of an environment", "first", "environments:cmd_show"),
    ("run", "NAME -- CMD...", "run CMD inside an environment, without activating it here", "first", "run:run"),
    ("shell", "NAME", "start your shell with an environment active; exit returns here", "first", "run:shell"),
    ("which", "NAME CMD", "print the path of CMD inside an environment", "first", "run:which"),
    ("vars", "[NAME] [set K=V...|unset K...]", "the environment's own variables (workon exports them)",
      "first", "variables:cmd_vars"),
    ("gc", "[OPTIONS]", "list (with --yes: remove) unused, broken or orphaned environments", "", "gc:gc"),
    ("new", "NAME [OPTIONS]", "create an environment (mkvirtualenv without activating)", "", "environments:cmd_new"),
    ("rm", "NAME...", "remove environments", "every", "environments:cmd_rm"),
    ("cp", "SRC [DEST]", "copy an environment", "first", "environments:cmd_cp"),
    ("mv", "OLD NEW", "rename an environment (mvvirtualenv)", "first", "environments:cmd_mv"),
    ("adopt", "[--copy] PATH [NAME]", "bring another tool's env into WORKON_HOME (--scan lists them, --dry-run)",
      "", "adopt:cmd_adopt"),
    ("export", "NAME [-o FILE]", "write a TOML manifest of an environment (--format requirements)",
      "first", "exchange:cmd_export"),
    ("import", "FILE [NAME]", "make an environment from a manifest", "", "exchange:cmd_import"),
    ("project", "[ENV [DIR]]", "bind an environment to a project directory", "first", "environments:cmd_project"),
    ("kernel", "add|rm|ls [NAME]", "Jupyter kernels that run inside an environment (add --install, ls --json)",
      "", "kernels:cmd_kernel"),
    ("sitepackages", "[NAME]", "list site-packages (--path: print the directory)",
      "first", "packages:cmd_sitepackages"),
    ("add-path", "[-d] DIR...", "add2virtualenv", "", "packages:cmd_add_path"),
    ("toggle-global", "[-q]", "toggleglobalsitepackages", "", "packages:cmd_toggle"),
    ("wipe", "[NAME]", "uninstall every package", "first", "packages:cmd_wipe"),
    ("repair", "NAME [-p PY]", "re-point a broken environment at a working Python", "first", "environments:cmd_repair"),
    ("upgrade", "[-p PY] NAME...", "rebuild on another Python, keeping packages (--all-broken, --dry-run)",
      "every", "exchange:cmd_upgrade"),
    ("pythons", "", "the interpreters -p VERSION finds (PATH, pyenv, uv, py launcher)", "", "packages:cmd_pythons"),
    ("doctor", "[--fix] [--json]", "list problems: broken envs, leftovers, settings", "", "doctor:cmd_doctor"),
    ("config", "[KEY [VALUE]]", "show or set workon_home, project_home, creator, python", "", "config:cmd_config"),
    ("allow", "[DIR]", "let auto-activation activate DIR's .venv (--revoke, --list)", "", "config:cmd_allow"),
    ("seed", "[--update]", "which pip new environments get, from where (--update: get the newest)",
      "", "packages:cmd_seed"),
)

# `envwrap sh SHELL COMMAND ARGS...`: the commands that change the shell; each
# returns a plan (envwrap.shells.plan) for the shell to run: the EVAL and SHELL
# commands' handlers, and those the hooks call by themselves (deactivate's --help,
# the auto-activation check on cd, envwrap config KEY VALUE, fish's vf activate and connect).
HIDDEN_PLAN_ROWS = (
    ("deactivate", "plans:deactivate"),
    ("auto", "plans:auto"),
    ("config", "config:plan"),  # envwrap config KEY VALUE: the shell's WORKON_HOME and auto-activation
    ("vf-activate", "vf:activate"),  # fish's vf activate and connect (VF_ROWS)
    ("vf-connect", "vf:connect"),
)
PLAN_HANDLERS = dict([(c.verb, c.handler) for c in COMMANDS if c.handler] + list(HIDDEN_PLAN_ROWS))


def handler(spec: str):
    """The function a "module:function" row names, its module imported now."""
    module, _, function = spec.partition(":")
    return getattr(__import__(f"envwrap.cli.{module}", fromlist=[module]), function)  # importlib costs more


# The verbs --help does not list: sh and say (for the shell hooks),
# allvirtualenv (the shell command's own verb) and fish's vf-* (envwrap.cli.vf).
HIDDEN_VERB_ROWS = (
    ("sh", "dispatch:cmd_sh"),
    ("say", "dispatch:cmd_say"),
    ("allvirtualenv", "run:run_all"),
    ("vf-globalpackages", "vf:cmd_globalpackages"),  # fish's vf (VF_ROWS)
)

# `envwrap VERB ARGS...` -> its handler.
VERB_HANDLERS = dict([(row[0], row[4]) for row in VERB_ROWS] + list(HIDDEN_VERB_ROWS))

PUBLIC_VERBS = tuple(row[0] for row in VERB_ROWS)
NAME_VERBS = frozenset(row[0] for row in VERB_ROWS if row[3])
NAMES_VERBS = frozenset(row[0] for row in VERB_ROWS if row[3] == "every")

# Shell command -> the backend verb it is (`envwrap lsvirtualenv` is `envwrap ls`).
COMMAND_VERBS = {c.name: c.verb for c in COMMANDS if c.kind == CALL and c.verb and c.verb != c.name}


# fish's `vf SUBCOMMAND` (virtualfish's command names, answered by envwrap): the
# subcommand, the command whose messages' hints it stands for in vf's words
# (envwrap.cli.vfterms; "" none), what `vf help` says of it, and, for one that
# is a single command, the fish command line it runs: another command under
# virtualfish's name, or a hidden verb whose handler keeps virtualfish's rules
# (envwrap.cli.vf) ("": its function is hand-written, for virtualfish's events
# around a command). Each is a function __envwrap_vf_SUBCOMMAND in
# envwrap/shells/fish/envwrap.fish with this description; the one-command ones
# are generated from here (make shells), and vf's TAB offers them all.
VF_ROWS = (
    ("help", "", "List the vf commands, or describe one: vf help [COMMAND]", ""),
    ("activate", "workon", "Activate an environment: vf activate NAME (no cd)", "__envwrap_run vf-activate $argv"),
    ("deactivate", "deactivate", "Deactivate the active environment", ""),
    ("new", "mkvirtualenv", "Create an environment and activate it: vf new [-p PYTHON] [--connect] NAME", ""),
    ("tmp", "mktmpenv", "Create a temporary environment, removed when deactivated", ""),
    ("rm", "rmvirtualenv", "Remove environments: vf rm NAME...", ""),
    ("ls", "lsvirtualenv", "List the environments", "__envwrap_list"),
    ("cd", "cdvirtualenv", "cd to the active environment's directory", "cdvirtualenv $argv"),
    ("cdpackages", "cdsitepackages", "cd to the active environment's site-packages", "cdsitepackages $argv"),
    ("addpath", "add2virtualenv",
     "Add directories to the active environment's import path: vf addpath [-d] DIR...",
     "add2virtualenv $argv"),
    ("all", "allvirtualenv", "Run a command in every environment: vf all COMMAND...", "allvirtualenv $argv"),
    ("globalpackages", "toggleglobalsitepackages",
     "Access to the base interpreter's packages: vf globalpackages [toggle|enable|disable]",
     "__envwrap_call vf-globalpackages $argv"),
    ("connect", "", "Connect the active environment to this directory (writes .venv): vf connect [NAME]", ""),
    ("project", "mkproject", "Create a project directory in PROJECT_HOME and its environment: vf project NAME",
     "mkproject $argv"),
    ("workon", "", "Activate an environment and cd to its project: vf workon NAME", "workon $argv"),
    ("cdproject", "cdproject", "cd to the active environment's project directory", "cdproject $argv"),
    ("lsprojects", "", "List the projects in PROJECT_HOME", ""),
    ("upgrade", "", "Rebuild environments on a newer Python: vf upgrade [options] [NAME...]", ""),
)


def usage() -> str:
    """``envwrap --help``."""
    lines = ["usage: envwrap VERB [ARGS...]   (envwrap VERB --help for each)", ""]
    for verb, synopsis, summary, *_ in VERB_ROWS:
        head = f"{verb} {synopsis}".rstrip()
        # The summaries line up in one column; a head too long for it takes two spaces.
        lines.append(f"  {head:<20} {summary}" if len(head) <= 21 else f"  {head}  {summary}")
    return "\n".join(lines) + "\n"
