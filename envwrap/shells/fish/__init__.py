"""fish: plan steps as calls to the functions in envwrap.fish (beside this file).

The code is evaluated with ``eval`` inside the function ``__envwrap_run``, so
``return`` ends it at the first step that fails. Every value is quoted with
:func:`quote`, below.
"""

from __future__ import annotations

from envwrap.shells import BaseEmitter


def quote(value: str) -> str:
    """fish: ``value`` as a literal fish reads back byte for byte. Inside single
    quotes, ``\\\\`` and ``\\'`` are escapes, so both are escaped (POSIX quoting
    would turn ``a\\\\b`` into ``a\\b``)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


q = quote


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
        words = " ".join(f"{self.var_name(k)} {q(v)}" for k, v in pairs)
        return f"__envwrap_vars_set {words}; or return"

    def _source(self, path: str) -> str:
        return f"__envwrap_source {q(path)}"

    def _cd(self, path: str) -> str:
        return f"cd -- {q(path)}; or return"

    def _set(self, name: str, value: str) -> str:
        return f"set -g {self.var_name(name)} {q(value)}"

    def _home(self, path: str, source: str) -> str:
        return f"__envwrap_set_home {q(path)} {q(source)}"

    def _list(self) -> str:
        return "__envwrap_list"

    def _print(self, text: str) -> str:
        return f"printf %s {q(text)}"


class Fish:
    """fish: how envwrap starts it and loads itself into it."""

    name = "fish"
    # envwrap init --write: how the hook file is cut into files loaded on first
    # use (a splitter of envwrap/shells/writer.py; None: one file), and the
    # start-up file that needs the line loading it (None: the shell reads its own).
    write_cut = "function-files"
    startup_file = None

    def source_line(self, path: str) -> str:
        """The line that sources envwrap's hook file ``path``."""
        return f"source {q(path)}\n"

    def subshell_argv(self, exe: str, name: str, environ: dict[str, str], load: str) -> list[str]:
        """The command line that starts ``exe`` as ``envwrap shell NAME`` (``load``:
        the code that loads envwrap, unless the user's config.fish did)."""
        code = ("if not functions -q __envwrap_call\n" + load + "end\n"
                f"workon {q(name)}\nor exit $status\n")
        return [exe, "-C", code]


    def sort_listing(self, names: list[str]) -> list[str]:
        """``names`` in the order fish's glob lists NAME/pyvenv.cfg (ENVWRAP_SORT=fish)."""
        import functools

        return sorted(names, key=lambda n: functools.cmp_to_key(_fish_glob_cmp)(n + "/pyvenv.cfg"))


def _fish_glob_cmp(a: str, b: str) -> int:
    """fish's order for glob results: letter case ignored, runs of digits compared
    by value (leading zeros and whitespace after a number skipped), ties broken by
    code point."""
    i = j = 0
    result = 0
    while i < len(a) and j < len(b):
        if a[i] in _DIGITS and b[j] in _DIGITS:
            result, i, j = _fish_number_cmp(a, b, i, j)
            if result or i == len(a) or j == len(b):
                break
        x, y = a[i], b[j]
        if x != y:
            x, y = _fold(x), _fold(y)
            if x != y:
                result = -1 if x < y else 1
                break
        i += 1
        j += 1
    if result:
        return result
    if i == len(a):
        if j == len(b):
            return (a > b) - (a < b)
        return -1
    return 1


_DIGITS = frozenset("0123456789")


def _fold(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch


def _fish_number_cmp(a: str, b: str, i: int, j: int) -> tuple[int, int, int]:
    while i < len(a) and a[i] == "0":
        i += 1
    while j < len(b) and b[j] == "0":
        j += 1
    result = 0
    while True:
        da = i < len(a) and a[i] in _DIGITS
        db = j < len(b) and b[j] in _DIGITS
        if not (da and db):
            if da:
                result = 1  # a's number has more digits
            elif db:
                result = -1
            break
        if not result and a[i] != b[j]:
            result = 1 if a[i] > b[j] else -1
        i += 1
        j += 1
    while i < len(a) and a[i].isspace():
        i += 1
    while j < len(b) and b[j].isspace():
        j += 1
    return result, i, j


SHELL = Fish()
