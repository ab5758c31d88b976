"""Where things live: WORKON_HOME, PROJECT_HOME, the hook directory, the config file.

Settings are read from the process environment each time a command runs. The shell
hooks pass the user's shell variables (exported or not) on every call, so changing
``WORKON_HOME`` in a running shell takes effect at the next command. An empty value
counts as unset, as it does for virtualenvwrapper.

Resolution of WORKON_HOME, first match wins:
  1. ``$WORKON_HOME``
  2. ``workon_home`` in envwrap's config file (TOML, platformdirs user config dir)
  3. ``~/.virtualenvs`` when it already exists (virtualenvwrapper's default)
  4. ``<platformdirs user data dir>/envs``

Paths are plain strings here (os.path), as in every module on the ``workon`` path:
importing pathlib costs more than everything else ``workon`` does.
"""

from __future__ import annotations

import os
import sys

from envwrap.errors import UserError

APP = "envwrap"


def setting(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def _expand(path: str) -> str:
    return os.path.expanduser(path)


def config_path() -> str:
    override = setting("ENVWRAP_CONFIG")
    if override:
        return _expand(override)
    import platformdirs

    return os.path.join(platformdirs.user_config_dir(APP, appauthor=False), "config.toml")


_config_cache: dict | None = None


def config() -> dict:
    """The parsed config file, or {} when there is none."""
    global _config_cache
    if _config_cache is not None:
        return _config_cache
    path = config_path()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        _config_cache = {}
        return _config_cache
    except OSError as exc:
        raise UserError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python < 3.11 only
            import tomli as tomllib
        parsed = tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"config file {path} is not valid TOML: {exc}") from None
    _config_cache = parsed
    return parsed


def _config_path_value(key: str) -> str | None:
    value = config().get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise UserError(f"config file {config_path()}: '{key}' must be a non-empty string")
    return _expand(value)


def workon_home() -> str:
    value = setting("WORKON_HOME")
    if value:
        return _expand(value)
    configured = _config_path_value("workon_home")
    if configured is not None:
        return configured
    legacy = _expand(os.path.join("~", ".virtualenvs"))
    if os.path.isdir(legacy):
        return legacy
    import platformdirs

    return os.path.join(platformdirs.user_data_dir(APP, appauthor=False), "envs")


def ensure_workon_home() -> str:
    home = workon_home()
    if os.pathsep in home:
        raise UserError(f"WORKON_HOME {home} contains {os.pathsep!r}: its environments' bin "
                        "directories could not be put on PATH")
    try:
        os.makedirs(home, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create WORKON_HOME {home}: {exc.strerror}") from None
    if not os.path.isdir(home):
        raise UserError(f"WORKON_HOME {home} is not a directory")
    return home


def project_home(required: bool = True) -> str | None:
    value = setting("PROJECT_HOME")
    path = _expand(value) if value else _config_path_value("project_home")
    if path is None:
        if required:
            raise UserError("PROJECT_HOME is not set: set it (or project_home in the config file)")
        return None
    if required and not os.path.isdir(path):
        raise UserError(f"PROJECT_HOME {path} does not exist: create it first")
    return path


def hook_dir() -> str:
    value = setting("VIRTUALENVWRAPPER_HOOK_DIR")
    return _expand(value) if value else workon_home()


def project_filename() -> str:
    return setting("VIRTUALENVWRAPPER_PROJECT_FILENAME") or ".project"


def workon_cd() -> bool:
    value = setting("VIRTUALENVWRAPPER_WORKON_CD")
    return value is None or value not in ("0", "no", "false")


def state_dir(home) -> str:
    """envwrap's own bookkeeping inside WORKON_HOME (staging, trash, locks).

    A dot-directory, so it is never listed or completed as an environment.
    """
    return os.path.join(home, ".envwrap")
