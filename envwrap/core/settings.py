"""envwrap's settings, each declared once in :data:`SETTINGS`: its key, the
environment variable that overrides it, its key in the config file, its default
and the values it may take. Every module that needs a setting reads its
declaration here: :mod:`envwrap.core.home` resolves the paths (WORKON_HOME,
PROJECT_HOME, the hook directory) and :func:`envwrap.core.home.value` the rest
(reading and writing the config file is core.home's), ``envwrap config``
(:mod:`envwrap.cli.config`) shows one row per setting, and the shells'
``__envwrap_call`` passes the variables of :func:`call_variables` to the backend.

Importing this module imports nothing but :mod:`os` and the errors (it sits on
the ``workon`` and ``init`` paths, read by :mod:`envwrap.core.home`)."""

from __future__ import annotations

import os

from envwrap.core.errors import UserError

BOOLEAN = ("true", "false")  # the allowed values of a yes/no setting (stored as TOML booleans)


class Setting:
    """One setting: its key (as ``envwrap config`` names it), the environment
    variable that overrides it, its key in the config file (None: not kept
    there), its default, the values it may take (None: any), and the shell
    variables envwrap's shell functions pass to the backend for it (``passed``:
    the user may set them in the shell without exporting them)."""

    __slots__ = ("key", "variable", "config_key", "default", "allowed", "passed")

    def __init__(self, key: str, variable: str | None, config_key: str | None, default, allowed=None,
                 passed: tuple[str, ...] = ()):
        self.key = key
        self.variable = variable
        self.config_key = config_key
        self.default = default
        self.allowed = allowed
        self.passed = passed

    def __repr__(self) -> str:
        return f"Setting({self.key!r})"


# Every setting, once, in the order ``envwrap config`` shows them. workon_home,
# project_home and hook_dir are resolved by core.home (a relative path, a path
# that is not a directory); the rest by home.value(). workon_home's variable is
# WORKON_HOME, else virtualfish's VIRTUALFISH_HOME; ENVWRAP_EXPORTED_HOME marks
# the value the shell exported itself (see home.user_workon_home). creator's
# variable is ENVWRAP_CREATOR; virtualenvwrapper's VIRTUALENVWRAPPER_VIRTUALENV
# (with _ARGS) names a command that replaces the creator altogether.
SETTINGS = (
    Setting("workon_home", "WORKON_HOME", "workon_home", "~/.virtualenvs",
            passed=("WORKON_HOME", "VIRTUALFISH_HOME", "ENVWRAP_EXPORTED_HOME")),
    Setting("project_home", "PROJECT_HOME", "project_home", None, passed=("PROJECT_HOME",)),
    Setting("hook_dir", "VIRTUALENVWRAPPER_HOOK_DIR", None, None,  # read only: default WORKON_HOME
            passed=("VIRTUALENVWRAPPER_HOOK_DIR",)),
    Setting("creator", "ENVWRAP_CREATOR", "creator", "auto", ("auto", "venv", "uv", "virtualenv"),
            passed=("VIRTUALENVWRAPPER_VIRTUALENV", "VIRTUALENVWRAPPER_VIRTUALENV_ARGS")),
    Setting("python", None, "python", None),
    Setting("seed_mode", "ENVWRAP_SEED_MODE", "seed_mode", "auto", ("auto", "copy", "zip")),
    Setting("auto_activate", None, "auto_activate", False, BOOLEAN),
    Setting("python_envs", None, "python_envs", True, BOOLEAN),
    Setting("installer", "ENVWRAP_INSTALLER", None, "auto", ("auto", "uv", "pip")),
    Setting("register_kernel", None, "register_kernel", False, BOOLEAN),  # a Jupyter kernel for each new env
    Setting("project_filename", "VIRTUALENVWRAPPER_PROJECT_FILENAME", None, ".project",
            passed=("VIRTUALENVWRAPPER_PROJECT_FILENAME",)),
    Setting("workon_cd", "VIRTUALENVWRAPPER_WORKON_CD", None, "1",
            passed=("VIRTUALENVWRAPPER_WORKON_CD",)),
    Setting("cache_dir", "ENVWRAP_CACHE_DIR", None, None),  # default: the user cache dir
    Setting("config_file", "ENVWRAP_CONFIG", None, None),  # default: the user config dir's config.toml
)
BY_KEY = {setting.key: setting for setting in SETTINGS}
# Old keys still understood (``envwrap config OLD``, and in the config file when
# the new key is absent): write_dot_venv switched the .venv file that
# python_envs replaced (issue 21).
ALIASES = {"write_dot_venv": "python_envs"}

# ENVWRAP_* variables that are not settings: envwrap sets them for itself. The
# shells' calls describe the caller (activation.CALL_ONLY); ENVWRAP_EXPORTED_HOME
# marks the WORKON_HOME a shell exported; `envwrap shell` passes the env and the
# loader to the subshell (ENVWRAP_SHELL_*); zsh's calls pass its ZDOTDIR as
# ENVWRAP_ZDOTDIR (for doctor); ENVWRAP_STAGED_ENV tells a creation's hooks
# where the env is staged.
INTERNAL = ("ENVWRAP_LOADS", "ENVWRAP_SHELL_PID", "ENVWRAP_SORT", "ENVWRAP_ZSH_COMPDEF", "ENVWRAP_AS",
            "ENVWRAP_EXPORTED_HOME", "ENVWRAP_SHELL_ENV", "ENVWRAP_SHELL_LOAD", "ENVWRAP_SHELL_ZDOTDIR",
            "ENVWRAP_ZDOTDIR", "ENVWRAP_STAGED_ENV")

CONFIG_KEYS = tuple(s.key for s in SETTINGS if s.config_key)  # kept in the config file
BOOL_KEYS = {s.key: s.default for s in SETTINGS if s.allowed is BOOLEAN}  # their defaults
CREATORS = BY_KEY["creator"].allowed


def call_variables() -> tuple[str, ...]:
    """The variables every shell's ``__envwrap_call`` passes to the backend (empty
    when unset in the shell), from the table's ``passed`` columns."""
    return tuple(name for s in SETTINGS for name in s.passed)


def environ(key: str) -> str | None:
    """The value of ``key``'s environment variable, None when unset or empty."""
    variable = BY_KEY[key].variable
    value = os.environ.get(variable) if variable else None
    return value if value else None


def checked_value(key: str, value: str) -> str | bool:
    """A value to store for ``key``, checked; paths are made absolute here, from
    the current directory, as a path typed on a command line is expected to be
    (``~`` is kept: the config file may be shared between machines)."""
    if not value:
        raise UserError(f"config: {key} cannot be empty (use --unset to remove it)", 2)
    if key in ("workon_home", "project_home"):
        if not value.startswith("~"):
            value = os.path.abspath(value)
        if key == "workon_home" and os.pathsep in value:
            raise UserError(f"config: workon_home {value} contains {os.pathsep!r}, the PATH separator", 2)
    elif key == "creator" and value not in CREATORS:
        raise UserError(f"config: unknown creator '{value}' (choose {', '.join(CREATORS)})", 2)
    elif key == "seed_mode" and value not in BY_KEY["seed_mode"].allowed:
        raise UserError(f"config: seed_mode is {' or '.join(BY_KEY['seed_mode'].allowed)}, not '{value}'", 2)
    elif key in BOOL_KEYS:
        words = {"true": True, "yes": True, "on": True, "1": True,
                 "false": False, "no": False, "off": False, "0": False}
        if value.lower() not in words:
            raise UserError(f"config: {key} is true or false, not '{value}'", 2)
        return words[value.lower()]
    return value
