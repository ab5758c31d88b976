"""envwrap's settings: which keys the config file keeps, the values each may
take, and writing one key. Reading the file is :func:`envwrap.core.home.config`;
showing each setting's effective value and where it comes from is ``envwrap
config`` (:mod:`envwrap.cli.config`)."""

from __future__ import annotations

import os

from envwrap.core import home
from envwrap.core.errors import UserError

BOOLEAN = ("true", "false")  # the allowed values of a yes/no setting (stored as TOML booleans)


class Setting:
    """One setting: its key (as ``envwrap config`` names it), the environment
    variable that overrides it, its key in the config file (None: not kept
    there), its default, and the values it may take (None: any)."""

    __slots__ = ("key", "variable", "config_key", "default", "allowed")

    def __init__(self, key: str, variable: str | None, config_key: str | None, default, allowed=None):
        self.key = key
        self.variable = variable
        self.config_key = config_key
        self.default = default
        self.allowed = allowed

    def __repr__(self) -> str:
        return f"Setting({self.key!r})"


# Every setting, once. workon_home and project_home are resolved by core.home
# (a relative path, a path that is not a directory); the rest by value() below.
SETTINGS = (
    Setting("workon_home", "WORKON_HOME", "workon_home", "~/.virtualenvs"),
    Setting("project_home", "PROJECT_HOME", "project_home", None),
    Setting("creator", "ENVWRAP_CREATOR", "creator", "auto", ("auto", "venv", "uv", "virtualenv")),
    Setting("python", None, "python", None),
    Setting("auto_activate", None, "auto_activate", False, BOOLEAN),
    Setting("write_dot_venv", None, "write_dot_venv", True, BOOLEAN),
    Setting("seed_mode", "ENVWRAP_SEED_MODE", "seed_mode", "copy", ("copy", "zip")),
    Setting("hook_dir", "VIRTUALENVWRAPPER_HOOK_DIR", None, None),  # read only: default WORKON_HOME
)
BY_KEY = {setting.key: setting for setting in SETTINGS}

CONFIG_KEYS = tuple(s.key for s in SETTINGS if s.config_key)  # kept in the config file
BOOL_KEYS = {s.key: s.default for s in SETTINGS if s.allowed is BOOLEAN}  # their defaults
CREATORS = BY_KEY["creator"].allowed


def value(key: str) -> tuple[object, str]:
    """A setting's effective value and where it comes from: "variable" (its
    environment variable, when set and not empty), "config" (the config file)
    or "default"."""
    setting = BY_KEY[key]
    if setting.variable:
        given = home.setting(setting.variable)
        if given:
            return given, "variable"
    if setting.config_key:
        stored = home.config().get(setting.config_key)
        if stored is not None:
            return stored, "config"
    return setting.default, "default"


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


def write(key: str, value: str | None) -> None:
    """Store ``value`` (checked by :func:`checked_value`) for ``key`` in the
    config file, or remove the key when ``value`` is None; the file is replaced
    whole, never left half-written."""
    import tomli_w

    data = dict(home.config())
    if value is None:
        data.pop(key, None)
    else:
        data[key] = checked_value(key, value)
    path = home.config_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(tomli_w.dumps(data))
    os.replace(tmp, path)
    home.reload_config()
