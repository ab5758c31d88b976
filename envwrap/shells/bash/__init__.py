"""bash: how envwrap starts it and loads itself into it (its plans are rendered
by :mod:`envwrap.shells.posix`, shared with zsh)."""

from __future__ import annotations

import os


class Bash:
    name = "bash"
    # envwrap init --write: how the hook file is cut into files loaded on first
    # use (a splitter of envwrap/shells/writer.py; None: one file), and the
    # start-up file that needs the line loading it (None: the shell reads its own).
    write_cut = "stubs"
    startup_file = "~/.bashrc"

    def source_line(self, path: str) -> str:
        """The line that sources envwrap's hook file ``path``."""
        from envwrap.shells.posix import quote as posix

        return f"source {posix(path)}\n"

    def rc_file(self) -> str:
        """The start-up file of ``envwrap shell``: reads ~/.bashrc, then loads envwrap."""
        return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bashrc")

    def subshell_argv(self, exe: str, name: str, environ: dict[str, str], load: str) -> list[str]:
        """The command line that starts ``exe`` as ``envwrap shell NAME`` (``load``:
        the code that loads envwrap); adds what the start-up file needs to ``environ``."""
        environ["ENVWRAP_SHELL_ENV"] = name
        environ["ENVWRAP_SHELL_LOAD"] = load
        return [exe, "--rcfile", self.rc_file(), "-i"]


SHELL = Bash()
