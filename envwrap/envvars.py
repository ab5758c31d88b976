"""Per-environment variables (``envwrap vars NAME``): stored inside the env.

They live in ``ENV/.envwrap-vars.toml``, one TOML string per variable::

    # envwrap vars NAME: this environment's own variables
    DJANGO_SETTINGS_MODULE = "site.settings"

so whatever copies, moves, exports or rebuilds an environment carries them by
copying that file (or by :func:`load` then :func:`save`). ``workon`` exports
them (a ``vars`` plan step; ``deactivate`` restores what was there before) and
``envwrap run`` puts them in the command's environment
(:func:`envwrap.activation.env_vars`).

Reading is on the ``workon`` path, where :mod:`tomllib` would cost about 25 ms
of imports (``python -X importtime -c 'import tomllib'``). So :func:`load` first
reads the file with a small reader of exactly the lines :func:`save` writes
(``KEY = "basic string"``, tomli_w's escapes), and falls back to the full TOML
parser only for a file edited by hand into some other valid TOML. Writing uses
tomli_w, imported only there, and replaces the file atomically.
"""

from __future__ import annotations

import os
import re

FILENAME = ".envwrap-vars.toml"

_HEADER = "# envwrap vars NAME: this environment's own variables (envwrap vars NAME set/unset KEY...)\n"

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Names that envwrap, the activate scripts or one of the shells manage: an
# environment setting them would break activation or the shell itself. Compared
# without regard to case, since Windows' (and PowerShell's) environment is
# case-insensitive.
_REFUSED = frozenset(name.upper() for name in (
    "PATH", "VIRTUAL_ENV", "VIRTUAL_ENV_PROMPT", "PYTHONHOME", "HOME", "PWD", "OLDPWD", "SHELL", "SHLVL",
    "USER", "LOGNAME", "IFS", "PS1", "PS2", "PS3", "PS4", "PROMPT", "RPROMPT", "RPS1", "RPS2",
    "PROMPT_COMMAND", "OPTIND", "OPTARG", "UID", "EUID", "GID", "EGID", "PPID", "RANDOM", "SECONDS",
    "LINENO", "HISTFILE", "HISTCMD", "FPATH", "CDPATH", "MANPATH", "MODULE_PATH", "WORKON_HOME",
    "PROJECT_HOME", "COLUMNS", "LINES", "CMD_DURATION", "HOSTNAME", "_",
))
# zsh's and fish's special lower-case parameters, compared as they are.
_REFUSED_LOWER = frozenset((
    "argv", "status", "pipestatus", "history", "version", "umask", "path", "options", "parameters",
    "functions", "commands", "aliases", "builtins", "modules", "signals", "psvar", "watch", "mailpath",
    "fignore", "dirstack", "funcstack", "widgets", "keymaps", "termcap", "terminfo", "nameddirs",
    "userdirs", "jobstates", "jobtexts", "jobdirs", "reswords", "histchars", "historywords",
    "last_pid", "hostname", "fish_pid", "cdpath", "fpath", "manpath", "module_path", "prompt",
))
_REFUSED_PREFIXES = ("__ENVWRAP", "ENVWRAP_", "VIRTUALENVWRAPPER_", "VIRTUALFISH_", "BASH", "ZSH_", "FISH_",
                     "COMP_", "READLINE_")


def path(env: str) -> str:
    return os.path.join(env, FILENAME)


def validate_key(key: str) -> str | None:
    """Why ``key`` cannot be an environment's variable, or None when it can."""
    if not _KEY.match(key):
        return (f"'{key}' is not a variable name (letters, digits and _, "
                "not starting with a digit)")
    upper = key.upper()
    if upper in _REFUSED or key in _REFUSED_LOWER or upper.startswith(_REFUSED_PREFIXES):
        return f"'{key}' is managed by envwrap or by the shell; an environment cannot set it"
    return None


def validate_value(key: str, value: str) -> str | None:
    """Why ``value`` cannot be stored, or None. Any text goes (newlines too);
    not NUL, which no process environment can hold, and not undecodable bytes."""
    if "\0" in value:
        return f"the value of {key} contains a NUL character, which no environment variable can hold"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"the value of {key} is not valid text (UTF-8)"
    return None


_LINE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*) = "((?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\.)*)"\Z', re.S)
_ESCAPE = re.compile(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)', re.S)
_SIMPLE = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _Other(Exception):
    """The file is not in the shape save() writes."""


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    if code in _SIMPLE:
        return _SIMPLE[code]
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    raise _Other


def _quick(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        found = _LINE.match(line)
        if found is None or found.group(1) in values:
            raise _Other
        values[found.group(1)] = _ESCAPE.sub(_unescape, found.group(2))
    return values


def _full(text: str, where: str) -> dict[str, str]:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    from envwrap.errors import UserError

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where} is not valid TOML ({exc}); fix it or remove it") from None
    bad = [k for k, v in data.items() if not isinstance(v, str) or validate_key(k)]
    if bad:
        raise UserError(f"{where}: '{bad[0]}' is not a variable envwrap can set (string values, "
                        "shell-safe names only); fix the file")
    return data


def load(env: str) -> dict[str, str]:
    """The environment's variables, in the order stored; {} when it has none."""
    where = path(env)
    try:
        with open(where, encoding="utf-8", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        from envwrap.errors import UserError

        raise UserError(f"{where} is not UTF-8 text; fix it or remove it") from None
    try:
        return _quick(text)
    except _Other:
        return _full(text, where)


def save(env: str, values: dict[str, str]) -> None:
    """Write ``values`` (replacing the file atomically); none removes the file."""
    where = path(env)
    if not values:
        try:
            os.remove(where)
        except FileNotFoundError:
            pass
        return
    import tomli_w

    text = _HEADER + tomli_w.dumps(dict(values))
    tmp = f"{where}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, where)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
