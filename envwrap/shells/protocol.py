"""The shell runtime protocol: every function a hook file (envwrap/shells/<name>/envwrap.*) defines.

Plain data, read by tests/shells/test_shell_protocol.py, which loads each real shell
(PowerShell: parses its file) and checks that it defines exactly the functions
declared here for it, and that every ``__envwrap_*`` function the emitters
(envwrap/shells/*.py) print a call to is declared here, for that shell, with
caller PLAN. Nothing at run time imports this module.

Each row: the function's name, its arguments (as the caller passes them; a
completer of bash or zsh reads the words from the completion system), who
calls it, the shells whose file defines it, and what it does. The user commands
themselves (workon, mkvirtualenv, ...) are the rows of envwrap/cli/table.py,
defined in every shell (fish adds ``vf``); ``deactivate`` is defined by
``__envwrap_activated`` / ``__envwrap_activate`` while an env is active.
"""

from __future__ import annotations

from typing import NamedTuple

# Who calls a function.
PLAN = "plan"        # the code the backend prints (a plan's steps, envwrap/shells/*.py)
COMMAND = "command"  # the user commands of the hook file (generated and hand-written)
RUNTIME = "runtime"  # other functions of the same hook file
LOAD = "load"        # the hook file itself, once, as it is loaded (or `envwrap config`)
TAB = "tab"          # the shell's completion system
PROMPT = "prompt"    # the shell's prompt or directory-change hooks (auto-activation)
USER = "user"        # typed by the user

BASH, ZSH, FISH, PS = "bash", "zsh", "fish", "powershell"
ALL = (BASH, ZSH, FISH, PS)
POSIX = (BASH, ZSH)
SHELLS = ALL


class Function(NamedTuple):
    name: str
    args: str
    caller: str
    shells: tuple[str, ...]
    does: str
    dynamic: str = ""  # defined only while a state holds: ACTIVE or AUTO


ACTIVE = "active"  # while an env envwrap activated is active
AUTO = "auto"      # while auto-activation is on


def _f(name, args, caller, shells, does, dynamic="") -> Function:
    return Function(name, args, caller, shells, does, dynamic)


FUNCTIONS: tuple[Function, ...] = (
    # ---- the backend and its code (every shell)
    _f("__envwrap_call", "VERB [ARG...]", COMMAND, ALL,
       "run the backend with the shell's settings (see tools/gen_shells.py, call_settings) and its own status"),
    _f("__envwrap_run", "VERB [ARG...]", COMMAND, ALL,
       "run `envwrap sh SHELL VERB ...` and evaluate the code it prints, only on success"),
    _f("__envwrap_source", "FILE", PLAN, ALL, "source a hook file, unless the backend refused it"),
    _f("__envwrap_set_home", "DIR SOURCE", PLAN, ALL,
       "keep the backend's WORKON_HOME (config or default; at load the preamble's), exported unless the user set one"),
    _f("__envwrap_list", "", PLAN, ALL, "print the environment names, one a line (no process)"),
    _f("__envwrap_vars_set", "NAME VALUE [NAME VALUE...]", PLAN, ALL,
       "export the env's own variables, keeping how to undo it in __envwrap_undo"),
    _f("__envwrap_leave", "", PLAN, ALL, "deactivate the env envwrap activated, if any"),
    _f("__envwrap_activated", "ENV HOOK_DIR PROJECT BIN_DIR", PLAN, (BASH, ZSH, FISH),
       "after the env's activate script: keep its deactivate, install the wrapper"),
    _f("__envwrap_activate", "SCRIPT ENV HOOK_DIR PROJECT BIN_DIR", PLAN, (PS,),
       "run the env's Activate.ps1 and install the deactivate wrapper"),
    _f("__envwrap_cd", "DIR", PLAN, (PS,), "change directory (a literal path)"),
    # ---- WORKON_HOME, hooks, deactivate (every shell)
    _f("__envwrap_workon_home", "", RUNTIME, ALL, "the environments' directory, as the backend resolves it"),
    _f("__envwrap_abs", "DIR", RUNTIME, POSIX,
       "a directory setting as the backend reads it (~, relative: below $HOME)"),
    _f("__envwrap_home_ok", "", RUNTIME, ALL, "whether WORKON_HOME can be listed (creates a missing one)"),
    _f("__envwrap_deactivate", "[nondestructive]", RUNTIME, ALL,
       "deactivate with the pre/postdeactivate hooks (the body of the deactivate wrapper)"),
    _f("__envwrap_venv_deactivate", "[nondestructive]", RUNTIME, ALL,
       "the env's own deactivate, kept by __envwrap_activated(e) while the env is active", dynamic=ACTIVE),
    _f("__envwrap_out_of_gone", "TO", RUNTIME, (PS,), "after a removal, to TO if the location is gone"),
    _f("__envwrap_initialize", "", LOAD, ALL, "source virtualenvwrapper's initialize hook"),
    # ---- auto-activation (every shell)
    _f("__envwrap_auto_find", "", RUNTIME, ALL,
       "the nearest marker above the current directory (.python-envs, .venv, .python-version)"),
    _f("__envwrap_auto_in", "DIR [PATH]", RUNTIME, ALL, "whether PATH (default: the current directory) is in DIR"),
    _f("__envwrap_auto_check", "", RUNTIME, POSIX,
       "activate or leave the env of the current directory (the hook's body: bash copies a body at each call)"),
    _f("__envwrap_auto_hook", "", PROMPT, ALL,
       "when the directory or the active env changed: activate or leave the env of the current directory"),
    _f("__envwrap_auto_setup", "", LOAD, ALL, "register or remove the prompt hook, as __envwrap_auto says"),
    _f("__envwrap_auto_on_pwd", "", PROMPT, (FISH,), "auto-activation on cd", dynamic=AUTO),
    _f("__envwrap_auto_on_prompt", "", PROMPT, (FISH,), "auto-activation at a prompt", dynamic=AUTO),
    # ---- TAB
    _f("__envwrap_complete_subdirs", "DIR (bash, zsh) [site] (fish) TYPED [-Site] (PowerShell)", TAB, ALL,
       "directories inside the active env (or its site-packages)"),
    _f("__envwrap_complete", "", TAB, POSIX, "the one completer: options, else what the command's kind completes"),
    _f("__envwrap_options", "COMMAND", TAB, POSIX, "a command's option words into __envwrap_o"),
    _f("__envwrap_complete_names", "", TAB, POSIX, "environment names"),
    _f("__envwrap_complete_python", "(bash, zsh: none) TYPED AST CURSOR (PowerShell)", TAB, (BASH, ZSH, PS),
       "after -p/--python: the Python versions the backend last found"),
    _f("__envwrap_reply", "TYPED WORD...", TAB, (BASH,), "COMPREPLY: the words that start with TYPED"),
    _f("__envwrap_complete_options", "COMMAND TYPED [VERB]", TAB, (PS,), "a command's options"),
    _f("__envwrap_scan", "[PREFIX]", RUNTIME, POSIX, "environment names into __envwrap_found (one glob)"),
    _f("__envwrap_dequote", "WORD", RUNTIME, (BASH,), "the word typed so far, its quoting undone"),
    _f("__envwrap_compdef", "", RUNTIME, (ZSH,), "register the completer with compdef"),
    _f("__envwrap_setup", "load (at load; none at the first prompt)", LOAD, (ZSH,),
       "register the completer now (compinit ran), or at the first prompt"),
    _f("__envwrap_names", "", RUNTIME, (FISH, PS), "print the environment names (a glob, no process)"),
    _f("__envwrap_python_versions", "", TAB, (FISH,), "the Python versions the backend last found"),
    _f("__envwrap_register_completions", "", LOAD, (FISH,), "register the commands' completions"),
    _f("__envwrap_register_options", "", RUNTIME, (FISH,), "register the commands' option completions"),
    _f("__envwrap_verb_is", "VERB...", TAB, (FISH,), "whether TAB is after envwrap VERB (one of them)"),
    # ---- PowerShell's own helpers
    _f("__envwrap_say", "STATUS MESSAGE", RUNTIME, (PS,), "one line on stderr, through the backend"),
    _f("__envwrap_dot", "FILE", RUNTIME, (PS,), "dot-source a literal path"),
    _f("__envwrap_source_if", "DIR NAME", RUNTIME, (PS,), "source DIR/NAME when it exists"),
    _f("__envwrap_offer", "TYPED WORDS [TYPE] [CASE]", TAB, (PS,),
       "the words that start with what was typed, quoted as PowerShell reads them back"),
    # ---- fish's virtualfish commands (vf)
    _f("__envwrap_vfevent", "WHAT", RUNTIME, (FISH,), "emit virtualfish's event for the active env"),
    _f("__envwrap_vf_register_completions", "", LOAD, (FISH,), "register TAB completion for vf"),
    *(_f(f"__envwrap_vf_{sub}", "[ARG...]", USER, (FISH,), f"vf {sub}") for sub in (
        "help", "activate", "deactivate", "new", "tmp", "rm", "ls", "cd", "cdpackages", "addpath", "all",
        "globalpackages", "connect", "project", "workon", "cdproject", "lsprojects", "upgrade")),
)

BY_NAME = {f.name: f for f in FUNCTIONS}

# Public functions a hook file defines besides the commands of envwrap/cli/table.py.
EXTRA_COMMANDS = {BASH: (), ZSH: (), FISH: ("vf",), PS: ()}


def defined_by(shell: str, *states: str) -> set[str]:
    """The ``__envwrap_*`` functions the hook file of ``shell`` defines once
    loaded, and those defined while each of ``states`` holds."""
    return {f.name for f in FUNCTIONS if shell in f.shells and (not f.dynamic or f.dynamic in states)}


def called_by_plans(shell: str) -> set[str]:
    """The functions of ``shell`` that the backend's printed code calls."""
    return {f.name for f in FUNCTIONS if shell in f.shells and f.caller == PLAN}
