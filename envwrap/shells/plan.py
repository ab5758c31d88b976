"""What a shell command wants the user's shell to do, independent of the shell.

The backend decides everything (which env, which hook files exist, where to cd);
a plan is the resulting list of steps, and an emitter in :mod:`envwrap.shells`
turns it into code for one shell. Steps:

  ("leave",)                               deactivate the envwrap env now active, if any
  ("activate", script, bin_dir, env, hook_dir, project)
                                           source the env's activate script, then wrap
                                           its ``deactivate`` so it runs the hooks (the
                                           env's own ones are in bin_dir)
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

TYPE_CHECKING = False  # not typing's (an import on the workon path)
if TYPE_CHECKING:
    import os


class PlanError(Exception):
    """A bug in envwrap, not something a user did: a step no emitter knows, or a
    value of the wrong shape. Raised where the step is made, so that no shell is
    ever handed half a plan."""


# Every step kind, and what each of its values must be (checked by _step):
#   "path"     a non-empty string        "text"    any string
#   "private"  envwrap's own shell variable name (__envwrap_ + letters, digits, _)
#   "source"   "config" or "default"     "pairs"   ((NAME, value), ...), NAME a variable name
# Each emitter in envwrap.shells has one method per kind (tests/shells/test_plan.py holds them equal).
STEPS = {
    "leave": (),
    "activate": ("path", "path", "path", "text", "text"),
    "vars": ("pairs",),
    "source": ("path",),
    "cd": ("path",),
    "set": ("private", "text"),
    "home": ("text", "source"),
    "list": (),
    "print": ("text",),
}


def _name(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isidentifier()


def _fits(shape: str, value) -> bool:
    if shape == "pairs":
        return isinstance(value, tuple) and all(
            isinstance(pair, tuple) and len(pair) == 2 and _name(pair[0]) and _fits("text", pair[1])
            for pair in value)
    if not isinstance(value, str):
        return False
    if shape == "path":
        return bool(value)
    if shape == "private":
        return value.startswith("__envwrap_") and _name(value)
    if shape == "source":
        return value in ("config", "default")
    return shape == "text"


class Plan:
    def __init__(self) -> None:
        self.steps: list[tuple] = []

    def _step(self, kind: str, *values) -> None:
        shapes = STEPS.get(kind)
        if shapes is None:
            raise PlanError(f"unknown plan step {kind!r}")
        if len(values) != len(shapes):
            raise PlanError(f"plan step {kind!r} takes {len(shapes)} values, got {len(values)}")
        for shape, value in zip(shapes, values):
            if not _fits(shape, value):
                raise PlanError(f"plan step {kind!r}: {value!r} is not a {shape}")
        self.steps.append((kind, *values))

    def leave(self) -> None:
        self._step("leave")

    def activate(self, script: os.PathLike, bin_dir: os.PathLike, env: os.PathLike, hook_dir: os.PathLike,
                 project: os.PathLike | None) -> None:
        self._step("activate", str(script), str(bin_dir), str(env), str(hook_dir), str(project or ""))

    def vars(self, values: dict[str, str]) -> None:
        if values:
            self._step("vars", tuple(values.items()))

    def source(self, path: os.PathLike) -> None:
        """Source the hook file ``path`` (the caller checked it: a plan is data, and
        never looks at the file system)."""
        self._step("source", str(path))

    def cd(self, path: os.PathLike) -> None:
        self._step("cd", str(path))

    def set(self, name: str, value: str) -> None:
        self._step("set", name, value)

    def home(self, path: str, source: str) -> None:
        self._step("home", str(path), source)

    def list(self) -> None:
        self._step("list")

    def print(self, text: str) -> None:
        """Write ``text`` (a final newline is added when it has none) to stdout."""
        self._step("print", text if text.endswith("\n") else text + "\n")
