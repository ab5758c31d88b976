"""fish: plan steps as calls to the functions in shell/envwrap.fish.

The code is evaluated with ``eval`` inside the function ``__envwrap_run``, so
``return`` ends it at the first step that fails. Every value is quoted with
:func:`envwrap.shells.quote.fish`.
"""

from __future__ import annotations

from envwrap.shells import BaseEmitter
from envwrap.shells.quote import fish as q


def _name(key: str) -> str:
    if not (key.isascii() and key.isidentifier()):
        raise ValueError(f"not a variable name: {key!r}")
    return key


class Emitter(BaseEmitter):
    def _leave(self) -> str:
        return "__envwrap_leave; or return"

    def _activate(self, script: str, bin_dir: str, env: str, hook_dir: str, project: str) -> str:
        # The env's predeactivate.fish / postdeactivate.fish hooks are in bin_dir.
        return (
            f"source {q(script)}; or return\n"
            f"__envwrap_activated {q(env)} {q(hook_dir)} {q(project)} {q(bin_dir)}; or return"
        )

    def _vars(self, pairs: tuple) -> str:
        # __envwrap_vars_set saves each variable's state, then exports it.
        words = " ".join(f"{_name(k)} {q(v)}" for k, v in pairs)
        return f"__envwrap_vars_set {words}; or return"

    def _source(self, path: str) -> str:
        return f"__envwrap_source {q(path)}"

    def _cd(self, path: str) -> str:
        return f"cd -- {q(path)}; or return"

    def _set(self, name: str, value: str) -> str:
        if not (name.isascii() and name.isidentifier()):
            raise ValueError(f"not a variable name: {name!r}")
        return f"set -g {name} {q(value)}"

    def _home(self, path: str, source: str) -> str:
        return f"__envwrap_set_home {q(path)} {q(source)}"

    def _list(self) -> str:
        return "__envwrap_list"

    def _print(self, text: str) -> str:
        return f"printf %s {q(text)}"
