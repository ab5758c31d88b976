"""Where things live: WORKON_HOME, PROJECT_HOME, the hook directory, the config file.

Settings are read from the process environment each time a command runs. The shell
hooks pass the user's shell variables (exported or not) on every call, so changing
``WORKON_HOME`` in a running shell takes effect at the next command. An empty value
counts as unset, as it does for virtualenvwrapper.

Resolution of WORKON_HOME, first match wins:
  1. ``$WORKON_HOME`` (unless it is the value envwrap's shell hook exported
     itself, see :func:`user_workon_home`); else ``$VIRTUALFISH_HOME``
     (virtualfish's name for it; the shell hooks resolve it the same way)
  2. ``workon_home`` in envwrap's config file (TOML, platformdirs user config dir)
  3. ``~/.virtualenvs`` (on Windows ``%USERPROFILE%\\Envs``), virtualenvwrapper's
     default, where editors and migrated scripts look for the environments

Whichever it is, a WORKON_HOME that does not exist is created by the first
command that needs it, with a NOTE on stderr, as virtualenvwrapper does; one
that exists and is not a directory is an error.

A relative WORKON_HOME, PROJECT_HOME or VIRTUALENVWRAPPER_HOOK_DIR (in a variable
or in the config file) is taken from the home directory, as virtualenvwrapper
does for WORKON_HOME: never from whatever the current directory happens to be.

Paths are plain strings here (os.path), as in every module on the ``workon`` path:
importing pathlib costs more than everything else ``workon`` does.
"""

from __future__ import annotations

import os
import sys

from envwrap.core import settings
from envwrap.core.errors import UserError

APP = "envwrap"


def setting(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def absolute(path: str) -> str:
    """A configured directory as an absolute path: ``~`` expanded, and a relative
    path taken from the home directory."""
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        path = os.path.join(os.path.expanduser("~"), path)
    return path


def config_path() -> str:
    override = settings.environ("config_file")
    if override:
        return os.path.expanduser(override)
    base = _xdg_base("XDG_CONFIG_HOME", ".config")
    if base is None:
        import platformdirs

        base = platformdirs.user_config_dir(APP, appauthor=False)
    return os.path.join(base, "config.toml")


def _xdg_base(variable: str, below_home: str) -> str | None:
    """envwrap's XDG directory (``$XDG_CONFIG_HOME/envwrap``, else
    ``~/.config/envwrap``, ...) without importing platformdirs, which alone costs
    more than a Python start (pathlib, tempfile, re). Only for the plain case,
    where every platformdirs version agrees: Linux (not Android), an absolute
    HOME, the variable unset, empty or absolute. Else None: ask platformdirs."""
    if not sys.platform.startswith("linux") or "ANDROID_DATA" in os.environ:
        return None
    value = os.environ.get(variable, "")
    if value:
        return os.path.join(value, APP) if value.startswith("/") and value.strip() == value else None
    home = os.environ.get("HOME", "")
    if not home.startswith("/") or home.strip() != home:
        return None
    return os.path.join(home.rstrip("/") or "/", below_home, APP)


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
        text = data.decode("utf-8")
        parsed = simple_toml(text)
        if parsed is None:  # more than `key = "string"` / `key = true` lines: the real parser
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover - Python < 3.11 only
                import tomli as tomllib
            parsed = tomllib.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"config file {path} is not valid TOML: {exc}") from None
    _config_cache = parsed
    return parsed


_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def simple_toml(text: str) -> dict | None:
    """The config file as TOML reads it, when it is what ``envwrap config``
    writes: lines of ``key = "basic string"`` or ``key = true|false``, with
    comments and blank lines. None for anything else (tables, arrays, numbers,
    literal or multi-line strings, dotted or quoted keys, a repeated key, a
    doubtful character): the caller then asks the real TOML parser, which also
    reports what is invalid. Importing tomllib costs half an ``envwrap init``;
    this costs nothing."""
    result: dict = {}
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        line = line.strip(" \t")
        if not line or line[0] == "#":
            if not _comment_ok(line):
                return None
            continue
        key, sep, rest = line.partition("=")
        key = key.rstrip(" \t")
        if not sep or not key or not _BARE.issuperset(key) or key in result:
            return None
        rest = rest.lstrip(" \t")
        if rest.startswith('"'):
            value, rest = _basic_string(rest)
            if value is None:
                return None
        elif rest[:4] == "true":
            value, rest = True, rest[4:]
        elif rest[:5] == "false":
            value, rest = False, rest[5:]
        else:
            return None
        rest = rest.lstrip(" \t")
        if rest and (rest[0] != "#" or not _comment_ok(rest)):
            return None
        result[key] = value
    return result


def _comment_ok(text: str) -> bool:
    """No control character but tab (TOML refuses them, in comments too)."""
    return all(c == "\t" or (" " <= c and c != "\x7f") for c in text)


def _basic_string(text: str) -> tuple[str | None, str]:
    """(the value of the basic string ``text`` starts with, what follows it);
    (None, "") when it is not a plain one-line basic string."""
    if text.startswith('"""'):
        return None, ""
    out = []
    i, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            return "".join(out), text[i + 1:]
        if c == "\\":
            e = text[i + 1:i + 2]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(e)
            digits = text[i + 2:i + 2 + width] if width else ""
            if not width or len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                return None, ""
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None, ""
            out.append(chr(code))
            i += 2 + width
            continue
        if c != "\t" and (c < " " or c == "\x7f"):
            return None, ""
        out.append(c)
        i += 1
    return None, ""


def config_path_value(key: str) -> str | None:
    value = config().get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise UserError(f"config file {config_path()}: '{key}' must be a non-empty string")
    return absolute(value)


def reload_config() -> None:
    """Forget the parsed config file (after writing it)."""
    global _config_cache
    _config_cache = None


def value(key: str) -> tuple[object, str]:
    """A setting's effective value and where it comes from: "variable" (its
    environment variable, when set and not empty), "config" (the config file)
    or "default", as the settings table declares it
    (:data:`envwrap.core.settings.SETTINGS`)."""
    setting = settings.BY_KEY[key]
    given = settings.environ(key)
    if given:
        return given, "variable"
    if setting.config_key:
        for name in (setting.config_key, *(old for old, now in settings.ALIASES.items() if now == key)):
            stored = config().get(name)
            if stored is not None:
                return stored, "config"
    return setting.default, "default"


def write_setting(key: str, value: str | None) -> None:
    """Store ``value`` (checked by :func:`envwrap.core.settings.checked_value`) for ``key`` in the
    config file, or remove the key when ``value`` is None; the file is replaced
    whole, never left half-written."""
    import tomli_w

    data = dict(config())
    for old in (old for old, now in settings.ALIASES.items() if now == key):
        data.pop(old, None)  # the new key replaces its old name
    if value is None:
        data.pop(key, None)
    else:
        data[key] = settings.checked_value(key, value)
    path = config_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(tomli_w.dumps(data))
    os.replace(tmp, path)
    reload_config()


def user_workon_home() -> str | None:
    """``$WORKON_HOME`` when the user set it, else ``$VIRTUALFISH_HOME``, else None.

    The shell hooks export the effective WORKON_HOME themselves when it comes
    from the config file or the default (so that editors started from the shell
    find the environments), and mark that value with ``ENVWRAP_EXPORTED_HOME``.
    A WORKON_HOME equal to the mark is envwrap's, not the user's: it must not
    pin the old location when the config file changes.
    """
    declared = settings.BY_KEY["workon_home"]
    value = setting(declared.variable)
    if value and value != os.environ.get("ENVWRAP_EXPORTED_HOME"):
        return value
    # virtualfish's setting, for its users: the envs' home when WORKON_HOME is unset.
    return setting("VIRTUALFISH_HOME")


def cache_dir() -> str:
    """envwrap's cache directory: ``$ENVWRAP_CACHE_DIR``, else the user cache dir
    (``~/.cache/envwrap`` on Linux), found without platformdirs in the plain case."""
    override = settings.environ("cache_dir")
    if override:
        return override
    base = _xdg_base("XDG_CACHE_HOME", ".cache")
    if base is None:
        import platformdirs

        base = platformdirs.user_cache_dir(APP, appauthor=False)
    return base


def default_workon_home() -> str:
    """virtualenvwrapper's default: ``~/.virtualenvs``; on Windows
    ``%USERPROFILE%\\Envs``, virtualenvwrapper-win's. Editors look there when
    they do not see ``$WORKON_HOME`` (one started from the desktop never does)."""
    if os.name == "nt":  # pragma: no cover - Windows
        return os.path.join(os.environ.get("USERPROFILE") or os.path.expanduser("~"), "Envs")
    return os.path.expanduser(settings.BY_KEY["workon_home"].default)


def old_default_workon_home() -> str:
    """Where earlier envwrap releases put environments by default
    (``<platformdirs user data dir>/envs``): ``envwrap doctor`` points at any
    left there."""
    data = _xdg_base("XDG_DATA_HOME", os.path.join(".local", "share"))
    if data is None:
        import platformdirs

        data = platformdirs.user_data_dir(APP, appauthor=False)
    return os.path.join(data, "envs")


def fallback_workon_home() -> tuple[str, str]:
    """(the WORKON_HOME used when the user sets none, "config" or "default").

    This is what the shell hooks keep (``__envwrap_home``) and export: the
    user's own WORKON_HOME they read from the shell itself, so changing or
    unsetting it takes effect at once there too.
    """
    configured = config_path_value(settings.BY_KEY["workon_home"].config_key)
    if configured is not None:
        return configured, "config"
    return default_workon_home(), "default"


def workon_home_source() -> tuple[str, str]:
    """(WORKON_HOME, where it came from: "variable", "config" or "default")."""
    value = user_workon_home()
    if value:
        return absolute(value), "variable"
    return fallback_workon_home()


def workon_home() -> str:
    return workon_home_source()[0]


def _create_home(path: str) -> None:
    """Create a missing WORKON_HOME, saying so on stderr, as virtualenvwrapper
    does (``NOTE: Virtual environments directory ... does not exist. Creating...``)."""
    print(f"envwrap: NOTE: WORKON_HOME {path} does not exist; creating it", file=sys.stderr)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create WORKON_HOME {path}: {exc.strerror}") from None


def existing_workon_home() -> str:
    """WORKON_HOME, for a command that uses it: created when it does not exist
    (wherever it comes from: the variable, the config file or the default), as
    virtualenvwrapper's commands do; a path that exists and is not a directory
    is an error."""
    path = workon_home()
    if os.path.isdir(path):
        return path
    if os.path.lexists(path):
        raise UserError(f"WORKON_HOME {path} is not a directory")
    _create_home(path)
    if not os.path.isdir(path):
        raise UserError(f"WORKON_HOME {path} is not a directory")
    return path


def ensure_workon_home() -> str:
    """WORKON_HOME, for a command that creates an environment in it (created
    when missing, as :func:`existing_workon_home` does)."""
    home = workon_home()
    if os.pathsep in home:
        raise UserError(f"WORKON_HOME {home} contains {os.pathsep!r}: its environments' bin "
                        "directories could not be put on PATH")
    return existing_workon_home()


def why_not_dir(path: str) -> str:
    """Why ``path`` cannot be used as a directory: "is not a directory" when
    something else (a file) is there, else "does not exist"."""
    return "is not a directory" if os.path.lexists(path) else "does not exist"


def project_home_source() -> tuple[str | None, str]:
    """(PROJECT_HOME or None, where it came from: "variable", "config" or "unset")."""
    value = settings.environ("project_home")
    if value:
        return absolute(value), "variable"
    configured = config_path_value(settings.BY_KEY["project_home"].config_key)
    return configured, ("config" if configured is not None else "unset")


def project_home(required: bool = True) -> str | None:
    path = project_home_source()[0]
    if path is None:
        if required:
            raise UserError("PROJECT_HOME is not set: set it (or project_home in the config file)")
        return None
    if required and not os.path.isdir(path):
        if os.path.lexists(path):
            raise UserError(f"PROJECT_HOME {path} is not a directory")
        raise UserError(f"PROJECT_HOME {path} does not exist: create it first")
    return path


def hook_dir() -> str:
    value = settings.environ("hook_dir")
    return absolute(value) if value else workon_home()


def project_filename() -> str:
    return settings.environ("project_filename") or settings.BY_KEY["project_filename"].default


def workon_cd() -> bool:
    value = settings.environ("workon_cd")
    return value is None or value not in ("0", "no", "false")


def state_dir(home) -> str:
    """envwrap's own bookkeeping inside WORKON_HOME (staging, trash, locks).

    A dot-directory, so it is never listed or completed as an environment.
    """
    return os.path.join(home, ".envwrap")
