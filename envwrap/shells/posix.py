"""bash and zsh: plan steps as calls to the functions in envwrap/shells/{bash,zsh}/envwrap.{bash,zsh}.

Builtins are called as ``\\builtin`` so user aliases cannot change them.
"""

from __future__ import annotations

from envwrap.shells import BaseEmitter

# Characters no shell expands in an unquoted word, under any common option.
# Not ``=``: zsh expands ``=cmd`` to the path of cmd (option EQUALS, on by
# default) at the start of a word, after ``:`` in an assignment (``x=a:=ls``)
# and, with MAGIC_EQUAL_SUBST, after the ``=`` of an argument (``a==ls``).
# Not ``~ ^ #`` either (tilde expansion; zsh's EXTENDED_GLOB operators).
_POSIX_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+:,./-")


def quote(value: str) -> str:
    """bash/zsh/sh: ``value`` as a literal the shell reads back byte for byte and
    never expands: single quotes; a ``'`` becomes ``'\\''``.

    Single quotes are literal in every POSIX shell (no escapes, no expansion),
    including zsh with its default options and with ``rc_quotes``. A value made
    only of characters that nothing expands is left bare.
    """
    if value and _POSIX_SAFE.issuperset(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


q = quote


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
        words = " ".join(f"{self.var_name(k)} {q(v)}" for k, v in pairs)
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
