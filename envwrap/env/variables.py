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

from envwrap.core.layout import VARS_FILE as FILENAME

_HEADER = "# envwrap vars NAME: this environment's own variables (envwrap vars NAME set/unset KEY...)\n"

_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_REST = _FIRST | frozenset("0123456789")


def _is_key(key: str) -> bool:
    """[A-Za-z_][A-Za-z0-9_]* (without :mod:`re`, which workon does not import)."""
    return bool(key) and key[0] in _FIRST and _REST.issuperset(key)

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
    if not _is_key(key):
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


_SIMPLE = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _Other(Exception):
    """The file is not in the shape save() writes."""


def _string(body: str) -> str:
    """The value of a TOML basic string's inside, as tomli_w writes it."""
    out = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch == "\\":
            code = body[i + 1:i + 2]
            if code in _SIMPLE:
                out.append(_SIMPLE[code])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(code)
            digits = body[i + 2:i + 2 + width] if width else ""
            if not width or len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise _Other
            out.append(chr(int(digits, 16)))
            i += 2 + width
        elif ch == '"' or (ch < " " and ch != "\t") or ch == "\x7f":
            raise _Other
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _quick(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        key, sep, rest = line.partition(' = "')
        if not sep or not rest.endswith('"') or not _is_key(key) or key in values:
            raise _Other
        values[key] = _string(rest[:-1])
    return values


def _full(text: str, where: str) -> dict[str, str]:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    from envwrap.core.errors import UserError

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
            text = f.read(4 << 20)  # never a link to /dev/zero to the end
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        from envwrap.core.errors import UserError

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
    from envwrap.core import atomicfile

    atomicfile.replace(where, text, inside=env, sync=True)
