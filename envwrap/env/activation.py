"""Activation as data: what using an environment changes in a process environment.

One description serves every way of using an environment without a shell doing
the work: ``envwrap run`` applies it to its own environment and ``exec``s the
command; ``envwrap shell`` starts from :func:`deactivated`; per-environment
variables (:func:`env_vars`) and, later, auto-activation plug into the same
function. The activate scripts that ``workon`` sources make the same changes in
the user's shell (PATH, VIRTUAL_ENV, VIRTUAL_ENV_PROMPT, no PYTHONHOME).

Nothing here starts a process, and importing it costs next to nothing (only
:mod:`os` and :mod:`envwrap.layout`), so the ``workon`` path may use it.
"""

from __future__ import annotations

import os

from envwrap.core import settings
from envwrap.core.layout import Layout, read_cfg

# Variables the backend receives from envwrap's own shell functions (empty when
# unset in the user's shell; empty and unset mean the same to envwrap and to
# virtualenvwrapper). Passed on empty they would only clutter the command's
# environment, so they are dropped when empty. CALL_ONLY describe the calling
# shell to the backend (how many times envwrap was loaded, its PID, its sort
# order, whether zsh has compdef, whether fish's vf made the call): always
# dropped, they mean nothing to CMD.
# CALL_SETTINGS come from the settings table (core.settings.SETTINGS' "passed").
CALL_SETTINGS = settings.call_variables()
CALL_ONLY = ("ENVWRAP_LOADS", "ENVWRAP_SHELL_PID", "ENVWRAP_SORT", "ENVWRAP_ZSH_COMPDEF", "ENVWRAP_AS")


class Changes:
    """Variables to set (name -> value) and to remove, in that order of effect."""

    __slots__ = ("set", "unset")

    def __init__(self, set: dict[str, str], unset: tuple[str, ...]):
        self.set = set
        self.unset = unset

    def apply(self, environ: dict[str, str]) -> dict[str, str]:
        result = {k: v for k, v in environ.items() if k not in self.unset}
        result.update(self.set)
        return result


def env_vars(env: str) -> dict[str, str]:
    """The environment's own variables (``DJANGO_SETTINGS_MODULE=...``), as
    ``envwrap vars`` stores them (:mod:`envwrap.envvars`), so that ``run``,
    ``workon`` and auto-activation all export them from one place."""
    from envwrap.env import variables as envvars

    return envvars.load(env)


def prompt(name: str, env: str) -> str:
    """VIRTUAL_ENV_PROMPT as envwrap's activate scripts set it: ``(prompt) ``,
    where prompt is pyvenv.cfg's ``prompt`` (venv writes it as a Python string
    literal, uv bare) or else the name."""
    try:
        value = read_cfg(os.path.join(env, "pyvenv.cfg")).get("prompt") or ""
    except (OSError, UnicodeError):
        value = ""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        import ast

        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            value = ""
    from envwrap.core.errors import one_line

    # Prompt themes print it: controls and bidi overrides escaped, as in messages.
    return f"({one_line(value if isinstance(value, str) and value else name)}) "


def deactivated(environ: dict[str, str]) -> dict[str, str]:
    """``environ`` as it would be with no environment active, and without the
    traces of envwrap's shell functions (see :data:`CALL_SETTINGS`)."""
    result = dict(environ)
    for key in CALL_ONLY:
        result.pop(key, None)
    for key in CALL_SETTINGS:
        if key in result and not result[key]:
            del result[key]
    active = result.pop("VIRTUAL_ENV", None)
    result.pop("VIRTUAL_ENV_PROMPT", None)
    if active and "PATH" in result:
        bin_dir = Layout.of(active).bin_dir
        result["PATH"] = os.pathsep.join(p for p in result["PATH"].split(os.pathsep) if p != bin_dir)
    return result


def changes(name: str, env: str, environ: dict[str, str]) -> Changes:
    """What activating ``env`` changes in ``environ`` (which should already be
    :func:`deactivated`): its bin directory first on PATH, VIRTUAL_ENV and
    VIRTUAL_ENV_PROMPT set, PYTHONHOME removed, its own variables set."""
    bin_dir = Layout.of(env).bin_dir
    # No PATH at all: a shell would search its default path; keep that reachable.
    rest = environ["PATH"] if "PATH" in environ else os.defpath
    values = dict(env_vars(env))
    values.update({
        "PATH": bin_dir + os.pathsep + rest if rest else bin_dir,
        "VIRTUAL_ENV": env,
        "VIRTUAL_ENV_PROMPT": prompt(name, env),
    })
    return Changes(values, ("PYTHONHOME",))


def environment(name: str, env: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The whole process environment of a command run inside ``env``."""
    base = deactivated(dict(os.environ) if environ is None else environ)
    return changes(name, env, base).apply(base)
