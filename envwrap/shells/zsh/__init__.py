"""zsh: how envwrap starts it and loads itself into it (its plans are rendered
by :mod:`envwrap.shells.posix`, shared with bash)."""

from __future__ import annotations

import os


class Zsh:
    name = "zsh"
    # envwrap init --write: how the hook file is cut into files loaded on first
    # use (a splitter of envwrap/shells/writer.py; None: one file), and the
    # start-up file that needs the line loading it (None: the shell reads its own).
    write_cut = "autoload"
    startup_file = "~/.zshrc"

    def source_line(self, path: str) -> str:
        """The line that sources envwrap's hook file ``path``."""
        from envwrap.shells.posix import quote as posix

        return f"source {posix(path)}\n"

    def rc_dir(self) -> str:
        """The ZDOTDIR of ``envwrap shell``: its .zshenv and .zshrc read the user's
        own, then load envwrap."""
        return os.path.join(os.path.dirname(os.path.abspath(__file__)), "zdotdir")

    def subshell_argv(self, exe: str, name: str, environ: dict[str, str], load: str) -> list[str]:
        """The command line that starts ``exe`` as ``envwrap shell NAME`` (``load``:
        the code that loads envwrap); adds what the start-up files need to ``environ``."""
        environ["ENVWRAP_SHELL_ENV"] = name
        environ["ENVWRAP_SHELL_LOAD"] = load
        # zsh reads $ZDOTDIR/.zshenv and .zshrc: ours, which read the user's.
        if "ZDOTDIR" in environ:
            environ["ENVWRAP_SHELL_ZDOTDIR"] = environ["ZDOTDIR"]
        else:
            environ.pop("ENVWRAP_SHELL_ZDOTDIR", None)
        environ["ZDOTDIR"] = self.rc_dir()
        return [exe, "-i"]


SHELL = Zsh()
