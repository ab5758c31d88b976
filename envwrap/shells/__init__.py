"""Turning a shell-agnostic plan into the code one shell runs.

A plan is a list of steps (see :mod:`envwrap.plan`); each shell has one emitter
class that renders the steps, quoting every value with that shell's quoter.
Emitters are imported lazily, by name. :class:`Shell` describes each shell once
(its names, files, quoter, emitter, how to start it); the other modules ask it
rather than keep a table of their own.
"""

from __future__ import annotations


class Shell:
    """Everything envwrap knows about one shell, in one place.

    Plain strings (no imports): this module is on the ``workon`` path. The quoter
    and the emitter are named, and imported only when asked for.
    """

    __slots__ = ("name", "aliases", "extension", "activate_script", "activate_template", "hook_suffix",
                 "quoter_name", "emitter_module", "programs", "demo_rc", "demo_argv", "demo_env", "listing_order")

    def __init__(self, name: str, *, aliases: tuple = (), extension: str, activate_script: str,
                 activate_template: str, hook_suffix: str, quoter: str, emitter: str, programs: tuple,
                 demo_argv: tuple, demo_rc: tuple | None = None, demo_env: dict | None = None,
                 listing_order: str = ""):
        self.name = name
        self.aliases = aliases            # other names `envwrap init` and `envwrap sh` accept
        self.extension = extension        # of its hook file: envwrap/shells/<name>/envwrap.<extension>
        self.activate_script = activate_script      # in the env's bin directory
        self.activate_template = activate_template  # its file name in envwrap/shells/<name>/
        self.hook_suffix = hook_suffix    # a sourced hook's file: postactivate<suffix>
        self.quoter_name = quoter         # the module of envwrap.shells whose quote() it uses
        self.emitter_module = emitter     # envwrap.shells.<module>.Emitter renders plans
        self.programs = programs          # its executables, preferred first
        # How `envwrap demo` starts it interactively: argv, and optionally a
        # start-up file (file name, text) and environment variables. {loader} is
        # the file that loads envwrap, quoted for the shell; {rc} the start-up
        # file and {dir} its directory, as plain arguments.
        self.demo_argv = demo_argv
        self.demo_rc = demo_rc
        self.demo_env = demo_env or {}
        # The order its own listing (a glob of NAME/pyvenv.cfg) comes in, when it
        # is not the locale's: its hook passes it to the backend as ENVWRAP_SORT,
        # and the shell's class sorts that way (sort_listing).
        self.listing_order = listing_order

    def quote(self, value: str) -> str:
        """``value`` as a literal this shell reads back byte for byte."""
        return __import__(f"envwrap.shells.{self.quoter_name}", fromlist=["quote"]).quote(value)

    def hook_file(self) -> str:
        """This shell's hook file (the static part of ``envwrap init``): envwrap.<ext>
        in its own folder."""
        import os

        return os.path.join(os.path.dirname(os.path.realpath(__file__)), self.name, f"envwrap.{self.extension}")

    def activate_template_path(self) -> str:
        """The template of its activate script, in its own folder (zsh's is a copy
        of bash's that `make shells` writes)."""
        import os

        return os.path.join(os.path.dirname(os.path.realpath(__file__)), self.name, self.activate_template)

    def activate_path(self, layout) -> str:
        """This shell's activate script in the environment of ``layout``."""
        import os

        return os.path.join(layout.bin_dir, self.activate_script)

    def impl(self):
        """This shell's class (``SHELL`` in envwrap/shells/<name>/): how envwrap
        starts it and loads itself into it, its listing order. Imported when asked."""
        return __import__(f"envwrap.shells.{self.name}", fromlist=["SHELL"]).SHELL

    def emitter(self):
        name = self.emitter_module
        module = __import__(f"envwrap.shells.{name}", fromlist=[name])  # importlib costs more
        return module.Emitter(self.name)

    def __repr__(self) -> str:
        return f"Shell({self.name!r})"


# bash and zsh share one activate template: it lives in bash/ (the shell it is
# linted as), and zsh's descriptor points there.
_POSIX = dict(activate_script="activate", activate_template="activate.sh", hook_suffix="", quoter="posix",
              emitter="posix")

BY_NAME = {shell.name: shell for shell in (
    Shell("bash", aliases=("sh",), extension="bash", programs=("bash",), **_POSIX,
          demo_rc=("bashrc", "[ -f ~/.bashrc ] && . ~/.bashrc\n. {loader}\n"),
          demo_argv=("bash", "--rcfile", "{rc}", "-i")),
    Shell("zsh", extension="zsh", programs=("zsh",), **_POSIX,
          demo_rc=(".zshrc", "[ -f ~/.zshrc ] && . ~/.zshrc\nautoload -Uz compinit && compinit -u\n. {loader}\n"),
          demo_argv=("zsh", "-i"), demo_env={"ZDOTDIR": "{dir}"}),
    Shell("fish", extension="fish", programs=("fish",), activate_script="activate.fish",
          activate_template="activate.fish", hook_suffix=".fish", quoter="fish", emitter="fish",
          demo_argv=("fish", "-C", "source {loader}"), listing_order="fish"),
    Shell("powershell", aliases=("pwsh", "ps"), extension="ps1", programs=("pwsh", "powershell"),
          activate_script="Activate.ps1", activate_template="Activate.ps1", hook_suffix=".ps1",
          quoter="powershell", emitter="powershell", demo_argv=("pwsh", "-NoExit", "-Command", ". {loader}"),
          listing_order="ordinal"),
)}

SHELLS = tuple(BY_NAME)
ALIASES = {alias: shell.name for shell in BY_NAME.values() for alias in shell.aliases}


def get(shell: str) -> Shell:
    """The descriptor of a canonical shell name (see :func:`canonical`)."""
    return BY_NAME[shell]


class BaseEmitter:
    """Renders plan steps by calling ``_<step>(*args)``; each shell's subclass
    defines one method per step kind, and quotes every value it emits."""

    def __init__(self, shell: str):
        self.shell = shell

    @staticmethod
    def var_name(key: str) -> str:
        """``key`` when it is a plain ASCII variable name (the only kind any
        emitter writes unquoted), else ValueError."""
        if not (key.isascii() and key.isidentifier()):
            raise ValueError(f"not a variable name: {key!r}")
        return key

    def render(self, steps: list[tuple]) -> str:
        out = []
        for step in steps:
            method = getattr(self, "_" + step[0], None)
            if method is None:  # a bug: tests/shells/test_plan.py holds emitters and Plan.STEPS equal
                from envwrap.shells.plan import PlanError

                raise PlanError(f"the {self.shell} emitter has no step {step[0]!r}")
            out.append(method(*step[1:]) + "\n")
        return "".join(out)


def canonical(shell: str) -> str | None:
    shell = shell.lower()
    shell = ALIASES.get(shell, shell)
    return shell if shell in SHELLS else None


def listing_shell(order: str) -> Shell | None:
    """The shell whose listing comes in ``order`` (ENVWRAP_SORT), if any."""
    for shell in BY_NAME.values():
        if shell.listing_order == order:
            return shell
    return None


def emitter(shell: str):
    return BY_NAME[shell].emitter()
