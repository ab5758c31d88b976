"""Using an environment without activating it in the current shell.

* ``envwrap run NAME -- CMD [ARGS...]`` replaces the envwrap process with CMD
  (``exec``), its environment made by :mod:`envwrap.activation`. Nothing of
  envwrap stays in between: stdin, the terminal, signals, buffering and the exit
  status are CMD's own.
* ``envwrap shell NAME`` replaces itself with the user's interactive shell, which
  reads the user's own start-up files, then loads envwrap (unless they did) and
  runs ``workon NAME``.
* ``envwrap which NAME CMD`` prints where CMD is inside the environment.

Hooks under ``run``: the ``preactivate`` hooks (global, then the env's own) run,
as for ``workon``: they are programs, and a failing one is a veto that ``run``
honours (nothing is started, the hook's status is returned). Their standard
output goes to stderr, so CMD's output stays CMD's alone. The sourced hooks
(``postactivate``, ``predeactivate``, ``postdeactivate``) do not run: they are
shell code, in the language of the user's shell, for a shell session that
``run`` does not have, and nothing is deactivated when CMD ends. ``envwrap
shell`` runs every hook ``workon`` runs, because it *is* ``workon`` inside the
new shell; leaving that shell with ``exit`` runs no deactivate hooks (the shell
ends, nothing is deactivated), as with closing a terminal.
"""

from __future__ import annotations

import errno
import os
import sys

from envwrap.core.errors import UserError

RUN_USAGE = """usage: envwrap run NAME [--] CMD [ARGS...]

Run CMD with environment NAME active, without activating it in this shell:
PATH starts with its bin directory, VIRTUAL_ENV and VIRTUAL_ENV_PROMPT are
set, PYTHONHOME is removed. envwrap replaces itself with CMD (exec), so
stdin, the terminal, signals and the exit status are CMD's. The preactivate
hooks run first (a failing one stops it); the sourced hooks do not.

exit status: CMD's; 127 when CMD is not found, 126 when it cannot be
executed, 1 when NAME is missing or broken, 2 for a usage mistake.
"""


def _ready(name: str) -> str:
    """The directory of environment ``name``, refusing a missing or broken one."""
    from envwrap.env import registry

    env = registry.path_of(name)
    problem = registry.broken(env)
    if problem:
        raise UserError(f"environment '{name}' is broken: {problem}; run 'envwrap repair {name}'")
    return env


def _restore_signals() -> None:
    """Undo what Python did to signal dispositions at start-up: it ignores SIGPIPE
    (and SIGXFSZ), and an ignored signal stays ignored across exec, which would
    turn ``run ... -- yes | head`` into a stream of EPIPE errors."""
    try:
        import _signal as signal  # the C module: `signal` imports enum, a third of run's cost
    except ImportError:  # pragma: no cover - not CPython
        import signal

    for sig in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, sig):
            signal.signal(getattr(signal, sig), signal.SIG_DFL)


def _exec(argv: list[str], environ: dict[str, str], what: str) -> int:
    """Replace this process with ``argv`` (searched on ``environ``'s PATH)."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":  # pragma: no cover - Windows has no exec that keeps the process
        import subprocess

        try:
            return subprocess.call(argv, env=environ)
        except FileNotFoundError:
            raise UserError(f"{what}: {argv[0]}: command not found", 127) from None
    _restore_signals()
    try:
        os.execvpe(argv[0], argv, environ)
    except OSError as exc:
        if exc.errno == errno.ENOEXEC:  # no #! line: a shell would run it with sh
            import shutil

            found = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=environ.get("PATH"))
            if found:
                try:
                    os.execve("/bin/sh", ["/bin/sh", found, *argv[1:]], environ)
                except OSError as again:
                    exc = again
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise UserError(f"{what}: {argv[0]}: command not found", 127) from None
        raise UserError(f"{what}: {argv[0]}: {exc.strerror}", 126) from None
    raise AssertionError("exec returned")  # pragma: no cover


# ----------------------------------------------------------------- run


def run(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(RUN_USAGE)
        if not args:
            raise UserError("run: name an environment and a command: envwrap run NAME -- CMD [ARGS...]", 2)
        return 0
    name, command = args[0], args[1:]
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise UserError(f"run: name the command to run: envwrap run {name} -- CMD [ARGS...]", 2)
    from envwrap.core import home
    from envwrap.core.layout import Layout
    from envwrap.env import activation, hooks, registry

    env = _ready(name)
    hook_env = activation.deactivated(hooks.hook_environment())
    out = sys.stderr.fileno()  # stdout belongs to CMD
    hooks.run(os.path.join(home.hook_dir(), "preactivate"), name, pre=True, env=hook_env, stdout=out)
    hooks.run(os.path.join(Layout.of(env).bin_dir, "preactivate"), name, pre=True, env=hook_env, stdout=out)
    registry.mark_used(env)
    return _exec(command, activation.environment(name, env), "run")


# ----------------------------------------------------------------- allvirtualenv


def run_all(args: list[str]) -> int:
    """``allvirtualenv CMD [ARGS...]``: CMD in every environment, one after the
    other, each under a header with its name, in the environment's directory and
    with the environment that ``run`` gives it (:mod:`envwrap.activation`), so
    every shell gets the same behaviour from one backend process. As in
    virtualenvwrapper no hook runs. CMD is a program, not a shell function: it
    is started by envwrap, outside the shell. The status is the last failing
    CMD's (127 for one not found), 0 when all succeeded."""
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="allvirtualenv",
                    description="Run a command in every environment: each in its own directory, with the "
                                "environment active as 'envwrap run' makes it (no hooks run), under a header "
                                "with its name. COMMAND is a program (not a shell function or alias).")
    parser.add_argument("command", metavar="COMMAND [ARGS...]", help="the command to run, and its arguments")
    if args[:1] in (["-h"], ["--help"]):
        parser.parse_args(args[:1])  # prints the help and exits 0
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        raise UserError("allvirtualenv: name a command to run in every environment", 2)
    import subprocess

    from envwrap.core import home
    from envwrap.core.errors import one_line, say
    from envwrap.env import activation, registry

    root = home.existing_workon_home()
    status = 0
    for name in registry.listing(root):
        env = os.path.join(root, name)
        shown = one_line(name)
        sys.stdout.write(f"{shown}\n{'=' * len(shown)}\n")
        sys.stdout.flush()
        problem = registry.broken(env)
        if problem:
            say(f"envwrap: allvirtualenv: environment '{name}' is broken ({problem}); skipped")
            status = 1
        else:
            try:
                code = subprocess.call(args, env=activation.environment(name, env), cwd=env)
            except FileNotFoundError:
                say(f"envwrap: allvirtualenv: {args[0]}: command not found")
                code = 127
            except OSError as exc:
                say(f"envwrap: allvirtualenv: {args[0]}: {exc.strerror}")
                code = 126
            if code < 0:  # killed by a signal: report it as a shell does
                code = 128 - code
            if code:
                status = code
        sys.stdout.write("\n")
        sys.stdout.flush()
    return status


# ----------------------------------------------------------------- which


def which(args: list[str]) -> int:
    import shutil

    from envwrap.cli.argparsing import Parser
    from envwrap.core.layout import Layout
    from envwrap.env import registry

    parser = Parser(prog="envwrap which", description="Print the absolute path of a command inside an environment "
                                                      "(its bin directory only; nothing is run).")
    parser.add_argument("name", help="environment name")
    parser.add_argument("command", help="command name, e.g. python or pytest")
    opts = parser.parse_args(args)
    env = registry.path_of(opts.name)
    if os.sep in opts.command or (os.altsep and os.altsep in opts.command) or not opts.command:
        raise UserError(f"which: '{opts.command}' is a path; name a command", 2)
    bin_dir = Layout.of(env).bin_dir
    found = shutil.which(opts.command, path=bin_dir)
    if found is None:
        raise UserError(f"which: no command '{opts.command}' in environment '{opts.name}' ({bin_dir})")
    sys.stdout.write(os.path.join(bin_dir, os.path.basename(found)) + "\n")
    return 0


# ----------------------------------------------------------------- shell

def _kind_of(name: str) -> str | None:
    """The shell a name stands for, as shellingham, $SHELL or --shell give it:
    a shell's own name or one of its executables (not the aliases of
    `envwrap init`: /bin/sh is not bash here)."""
    from envwrap.shells import BY_NAME

    for shell in BY_NAME.values():
        if name == shell.name or name in shell.programs:
            return shell.name
    return None


def user_shell(requested: str | None) -> tuple[str, str]:
    """(kind, executable) of the shell to start: ``--shell``, else the shell this
    command runs in (shellingham), else ``$SHELL``."""
    import shutil

    candidates: list[tuple[str, str]] = []
    if requested:
        kind = _kind_of(requested.lower())
        if kind is None:
            raise UserError(f"shell: unknown shell '{requested}' (bash, zsh, fish, pwsh)", 2)
        candidates.append((kind, ""))
    else:
        from envwrap.shells.loader import detected

        candidates += detected()
    for name, path in candidates:
        base = os.path.basename(name).lower()
        if base.endswith(".exe"):
            base = base[:-4]
        kind = _kind_of(base.lstrip("-"))
        if kind is None:
            continue
        from envwrap.shells import get

        exes = get(kind).programs
        if os.path.isabs(path) and os.access(path, os.X_OK) and os.path.basename(path).lower().startswith(exes):
            return kind, path
        for exe in exes:
            found = shutil.which(exe)
            if found:
                return kind, found
        if requested:
            raise UserError(f"shell: {exes[0]} is not installed (or not on PATH)")
    raise UserError("shell: cannot tell which shell you use; name it: envwrap shell --shell bash|zsh|fish|pwsh NAME", 2)


def _loader(kind: str) -> str:
    """Code that loads envwrap into a shell of ``kind``: the init preamble, then
    the static file sourced in place (no ``envwrap init`` process)."""
    from envwrap.shells import get as _shell
    from envwrap.shells import loader as init

    path = str(init.shell_file(kind))
    if not os.path.isfile(path):
        raise UserError(f"envwrap has no {kind} support installed ({path} is missing)")
    return init.preamble(kind) + _shell(kind).impl().source_line(path)


def shell_command(kind: str, exe: str, name: str, environ: dict[str, str]) -> list[str]:
    """The command line that starts ``exe`` as envwrap shell NAME; adds what the
    start-up files need to ``environ``."""
    from envwrap.shells import get

    return get(kind).impl().subshell_argv(exe, name, environ, _loader(kind))


def shell(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.env import activation

    parser = Parser(prog="envwrap shell",
                    description="Start your shell with an environment active and envwrap loaded; "
                                "your start-up files are read as usual, and exit returns to this shell.")
    parser.add_argument("--shell", dest="kind", metavar="SHELL",
                        help="bash, zsh, fish or pwsh (default: the shell you run this from, else $SHELL)")
    parser.add_argument("name", help="environment name")
    opts = parser.parse_args(args)
    _ready(opts.name)
    kind, exe = user_shell(opts.kind)
    environ = activation.deactivated(dict(os.environ))
    argv = shell_command(kind, exe, opts.name, environ)
    return _exec(argv, environ, "shell")


def cmd_demo(args: list[str]) -> int:
    from envwrap.cli.argparsing import Parser
    from envwrap.shells import loader as init

    parser = Parser(prog="envwrap demo",
                    description="Start an interactive shell with envwrap loaded and a throwaway WORKON_HOME.")
    parser.add_argument("shell", nargs="?", default="bash")
    opts = parser.parse_args(args)
    return init.demo(init.shell_name(opts.shell))
