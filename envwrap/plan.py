"""What a shell command wants the user's shell to do, independent of the shell.

The backend decides everything (which env, which hook files exist, where to cd);
a plan is the resulting list of steps, and an emitter in :mod:`envwrap.shells`
turns it into code for one shell. Steps:

  ("leave",)                               deactivate the envwrap env now active, if any
  ("activate", script, env, hook_dir, project)
                                           source the env's activate script, then wrap
                                           its ``deactivate`` so it runs the hooks
  ("vars", ((key, value), ...))           export the env's own variables (envwrap vars),
                                           first saving each one's previous state (value,
                                           empty, unset) in shell variables, which the
                                           deactivate function restores
  ("source", path)                         source a hook file (failure is reported)
  ("cd", path)
  ("set", name, value)                     set one of envwrap's private shell variables
  ("home", path, source)                   the WORKON_HOME used when the user sets none,
                                           and where it comes from ("config" or
                                           "default"): the shell keeps it for completion,
                                           and exports it unless the user set WORKON_HOME
  ("list",)                                print the environment names (in the shell)
  ("print", text)                          write text to the shell's standard output
                                           (--help: shown, not evaluated)
"""

from __future__ import annotations

import os


class Plan:
    def __init__(self) -> None:
        self.steps: list[tuple] = []

    def leave(self) -> None:
        self.steps.append(("leave",))

    def activate(self, script: os.PathLike, env: os.PathLike, hook_dir: os.PathLike,
                 project: os.PathLike | None) -> None:
        self.steps.append(("activate", str(script), str(env), str(hook_dir), str(project or "")))

    def vars(self, values: dict[str, str]) -> None:
        if values:
            self.steps.append(("vars", tuple(values.items())))

    def source_if_exists(self, path) -> None:
        if os.path.isfile(path):
            self.steps.append(("source", str(path)))

    def cd(self, path: os.PathLike) -> None:
        self.steps.append(("cd", str(path)))

    def set(self, name: str, value: str) -> None:
        assert name.startswith("__envwrap_")
        self.steps.append(("set", name, value))

    def home(self, path: str, source: str) -> None:
        self.steps.append(("home", str(path), source))

    def list(self) -> None:
        self.steps.append(("list",))

    def print(self, text: str) -> None:
        """Write ``text`` (a final newline is added when it has none) to stdout."""
        self.steps.append(("print", text if text.endswith("\n") else text + "\n"))
