"""Turning a shell-agnostic plan into the code one shell runs.

A plan is a list of steps (see :mod:`envwrap.plan`); each shell has one emitter
class that renders the steps, quoting every value with that shell's quoter.
Emitters are imported lazily, by name.
"""

from __future__ import annotations

SHELLS = ("bash", "zsh", "fish", "powershell")
ALIASES = {"pwsh": "powershell", "ps": "powershell", "sh": "bash"}

_MODULES = {"bash": "posix", "zsh": "posix", "fish": "fish", "powershell": "powershell"}


class BaseEmitter:
    """Renders plan steps by calling ``_<step>(*args)``; each shell's subclass
    defines one method per step kind, and quotes every value it emits."""

    def __init__(self, shell: str):
        self.shell = shell

    def render(self, steps: list[tuple]) -> str:
        out = []
        for step in steps:
            method = getattr(self, "_" + step[0], None)
            if method is None:  # a bug: tests/test_plan.py holds emitters and Plan.STEPS equal
                from envwrap.plan import PlanError

                raise PlanError(f"the {self.shell} emitter has no step {step[0]!r}")
            out.append(method(*step[1:]) + "\n")
        return "".join(out)


def canonical(shell: str) -> str | None:
    shell = shell.lower()
    shell = ALIASES.get(shell, shell)
    return shell if shell in SHELLS else None


def emitter(shell: str):
    name = _MODULES[shell]
    module = __import__(f"envwrap.shells.{name}", fromlist=[name])  # importlib costs more
    return module.Emitter(shell)
