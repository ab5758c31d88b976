"""envwrap's settings as ``envwrap config`` shows and writes them: which keys
the config file keeps, each setting's effective value and where it comes from
($VARIABLE, config file, default), and writing one key. Reading the file is
:func:`envwrap.home.config`."""

from __future__ import annotations

import os

from envwrap import creators, home
from envwrap.errors import UserError

CONFIG_KEYS = ("workon_home", "project_home", "creator", "python",
               "auto_activate", "write_dot_venv", "seed_mode")  # kept in the config file
BOOL_KEYS = {"auto_activate": False, "write_dot_venv": True}  # their defaults
CREATORS = ("auto", "venv", "uv", "virtualenv")


def effective() -> list[tuple[str, str | None, str]]:
    """(key, effective value or None, where it came from) for each setting."""
    rows: list[tuple[str, str | None, str]] = []
    workon_home, source = home.workon_home_source()
    why = {"variable": "$WORKON_HOME", "config": "config file",
           "default": "default: virtualenvwrapper's"}[source]
    if os.path.lexists(workon_home) and not os.path.isdir(workon_home):
        why += "; NOT A DIRECTORY"
    elif not os.path.isdir(workon_home):
        why += "; does not exist yet: the next command creates it"
    rows.append(("workon_home", workon_home, why))
    projects, source = home.project_home_source()
    rows.append(("project_home", projects,
                 {"variable": "$PROJECT_HOME", "config": "config file", "unset": "not set"}[source]))
    hook_dir = home.setting("VIRTUALENVWRAPPER_HOOK_DIR")
    rows.append(("hook_dir", home.hook_dir(),
                 "$VIRTUALENVWRAPPER_HOOK_DIR" if hook_dir else "default: WORKON_HOME"))
    custom = home.setting("VIRTUALENVWRAPPER_VIRTUALENV")
    if custom:
        args = home.setting("VIRTUALENVWRAPPER_VIRTUALENV_ARGS")
        rows.append(("creator", custom + (f" {args}" if args else ""), "$VIRTUALENVWRAPPER_VIRTUALENV"))
    else:
        if home.setting("ENVWRAP_CREATOR"):
            choice, why = home.setting("ENVWRAP_CREATOR"), "$ENVWRAP_CREATOR"
        elif home.config().get("creator") is not None:
            choice, why = str(home.config().get("creator")), "config file"
        else:
            choice, why = "auto", "default"
        value = choice
        if choice in ("auto", "uv"):
            uv = creators.uv_binary() is not None
            value = "uv" if uv else ("venv" if choice == "auto" else "uv")
            if choice == "auto":
                why += ": auto, uv when installed, else venv"
            if not uv:
                why += "; uv is not installed"
        rows.append(("creator", value, why))
    spec = home.config().get("python")
    if spec is None:
        rows.append(("python", creators.own_base_python(), "default: the Python envwrap runs on"))
    else:
        rows.append(("python", str(spec), "config file"))
    if home.setting("ENVWRAP_SEED_MODE"):
        rows.append(("seed_mode", home.setting("ENVWRAP_SEED_MODE"), "$ENVWRAP_SEED_MODE"))
    elif home.config().get("seed_mode") is not None:
        rows.append(("seed_mode", str(home.config().get("seed_mode")), "config file"))
    else:
        rows.append(("seed_mode", "copy", "default: each env has its own pip, with bytecode"))
    for key, default in BOOL_KEYS.items():
        stored = home.config().get(key)
        if isinstance(stored, bool):
            rows.append((key, str(stored).lower(), "config file"))
        else:
            rows.append((key, str(default).lower(), "default"))
    return rows


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
    elif key == "seed_mode" and value not in ("copy", "zip"):
        raise UserError(f"config: seed_mode is copy or zip, not '{value}'", 2)
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
