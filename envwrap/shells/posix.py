"""bash and zsh: plan steps as calls to the functions in envwrap/shells/{bash,zsh}/envwrap.{bash,zsh}.

Builtins are called as ``\\builtin`` so user aliases cannot change them.
"""

from __future__ import annotations

from envwrap.shells import BaseEmitter
from envwrap.shells.quote import posix as q


def _name(key: str) -> str:
    if not (key.isascii() and key.isidentifier()):
        raise ValueError(f"not a variable name: {key!r}")
    return key


class Emitter(BaseEmitter):
    def _leave(self) -> str:
        return "__envwrap_leave || \\return $?"

    def _activate(self, script: str, bin_dir: str, env: str, hook_dir: str, project: str) -> str:
        return (
            f"\\builtin . {q(script)} || \\return $?\n"
            f"__envwrap_activated {q(env)} {q(hook_dir)} {q(project)} {q(bin_dir)}"
        )

    def _vars(self, pairs: tuple) -> str:
        # __envwrap_vars_set saves each variable's state, then exports it.
        words = " ".join(f"{_name(k)} {q(v)}" for k, v in pairs)
        return f"__envwrap_vars_set {words} || \\return $?"

    def _source(self, path: str) -> str:
        return f"__envwrap_source {q(path)}"

    def _cd(self, path: str) -> str:
        return f"\\builtin cd -- {q(path)} || \\return $?"

    def _set(self, name: str, value: str) -> str:
        return f"{name}={q(value)}"

    def _home(self, path: str, source: str) -> str:
        return f"__envwrap_set_home {q(path)} {q(source)}"

    def _list(self) -> str:
        return "__envwrap_list"

    def _print(self, text: str) -> str:
        return f"\\builtin printf %s {q(text)}"
