"""``envwrap``: the backend command line.

Two kinds of verbs:

* for people, scripts and editors: ``ls``, ``path``, ``show``, ``new``, ``rm``, ``cp``,
  ``mv``, ``export``, ``import``, ``upgrade``, ``pythons``, ``project``, ``sitepackages``,
  ``add-path``, ``toggle-global``, ``wipe``,
  ``repair``, ``doctor``, ``config``, ``seed``, ``init``, ``demo``, ``run``,
  ``shell``, ``which``, ``gc``;
* ``sh SHELL COMMAND ...``, called by the shell hooks: prints code for the user's
  shell to evaluate (see :mod:`envwrap.cli.plans`).

Which function runs a verb is a row of :mod:`envwrap.cli.table`; only its
module is imported. Every error a user can cause is one line on stderr and a non-zero status.
"""

from __future__ import annotations

import os
import sys

from envwrap.cli import output
from envwrap.core.errors import UserError, one_line, say


def cmd_sh(args: list[str]) -> int:
    from envwrap import shells
    from envwrap.cli import table
    usage = "usage: envwrap sh SHELL COMMAND [ARGS...]: shell code for a shell hook to evaluate"
    if args[:1] in (["-h"], ["--help"]):
        output._out(usage)
        return 0
    if len(args) < 2:
        raise UserError(usage, 2)
    name = shells.canonical(args[0])
    if name is None:
        raise UserError(f"unknown shell '{args[0]}' (bash, zsh, fish, powershell)", 2)
    spec = table.PLAN_HANDLERS.get(args[1])
    if spec is None:
        raise UserError(f"unknown shell command '{args[1]}'", 2)
    command = table.handler(spec)
    shell = shells.get(name)  # the descriptor, passed down to the plan's handler
    # The shell evaluates our stdout, so what a command prints is caught here
    # (swapped by hand: contextlib would cost more import time than the rest of
    # workon). --help becomes a plan that prints it on the shell's stdout, so
    # `mkvirtualenv --help | less` works; anything else goes to stderr.
    import io

    printed = io.StringIO()
    stdout, sys.stdout = sys.stdout, printed
    try:
        plan = command(shell, args[2:])
    except SystemExit as exc:  # --help (or a usage exit): nothing else to do
        status = exc.code if isinstance(exc.code, int) else 0
        if status == 0 and printed.getvalue():
            from envwrap.shells.plan import Plan

            plan = Plan()
            plan.print(printed.getvalue())
            stdout.write(shell.emitter().render(plan.steps))
        else:
            sys.stderr.write(printed.getvalue())
        return status
    finally:
        sys.stdout = stdout
    if printed.getvalue():
        sys.stderr.write(printed.getvalue())
    sys.stdout.write(shell.emitter().render(plan.steps))
    return 0


def cmd_say(args: list[str]) -> int:
    """Hidden, for the PowerShell hook: print its message as envwrap prints its
    own (``envwrap: ...``, one escaped line on stderr) and exit with STATUS.
    PowerShell's $Host.UI.WriteErrorLine would write past the caller's
    ``2>$null`` / ``2>file``; a native command's stderr follows them."""
    if len(args) != 2 or not args[0].isdigit():
        raise UserError("usage: envwrap say STATUS MESSAGE (for the PowerShell hook)", 2)
    say(f"envwrap: {args[1]}")
    return int(args[0]) & 0xFF


class _ClosedStdout:
    """sys.stdout when the caller closed it (``envwrap ls >&-``): writing says
    so as an OSError, which ends the command with one line, as a full disk would
    (``lost`` remembers it for a writer that ignores errors: argparse's help)."""

    lost = False

    def write(self, text: str) -> int:
        import errno

        self.lost = True
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return 1

    def isatty(self) -> bool:
        return False


def _standard_streams() -> None:
    """A closed descriptor 0, 1 or 2 gets the null device, so that no file
    envwrap opens can take its number and receive what is printed; Python made
    the matching sys.std* None, which becomes something that writes nowhere
    (stderr, stdin) or refuses (stdout)."""
    import io

    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            new = os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
            if new != fd:
                os.dup2(new, fd)
                os.close(new)
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    if sys.stderr is None:
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()


def _drop_stdout() -> None:
    """Nobody can receive what is still buffered: send it to the null device,
    so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    import _signal

    args = sys.argv[1:] if argv is None else argv
    try:
        # From here a Ctrl-C is a KeyboardInterrupt, which stops any command
        # before its next step (see envwrap/__main__.py for before).
        if getattr(_signal.getsignal(_signal.SIGINT), "__name__", None) == "_interrupted":
            _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        if sys.stdout is None or sys.stderr is None or sys.stdin is None:
            _standard_streams()
        try:
            status = _main(args)
        except SystemExit as exc:  # argparse after --help
            status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        # A reader that closed the pipe early shows up here, inside the try,
        # not as a traceback when the interpreter flushes at exit.
        sys.stdout.flush()
        if status == 0 and getattr(sys.stdout, "lost", False):
            print("envwrap: standard output is closed", file=sys.stderr)
            return 1
        return status
    except BrokenPipeError:
        # Nobody reads any more: stop quietly.
        _drop_stdout()
        return 141  # as a command killed by SIGPIPE
    except OSError as exc:  # standard output full (/dev/full) or closed
        _drop_stdout()
        why = exc.strerror or str(exc)
        print(one_line(f"envwrap: {why if 'standard output' in why else 'cannot write standard output: ' + why}"),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("envwrap: interrupted", file=sys.stderr)
        return 130


def _flush_stdout() -> None:
    """Before a message on stderr, what was printed comes out first; when
    standard output cannot take it (closed, a full device), it is dropped."""
    try:
        sys.stdout.flush()
    except OSError:
        _drop_stdout()


def _main(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help", "help"):
        from envwrap.cli.table import usage

        sys.stdout.write(usage())
        return 0 if args else 2
    if args[0] in ("-V", "--version"):
        from envwrap import __version__

        output._out(f"envwrap {__version__}")
        return 0
    from envwrap.cli import table

    # a shell command's own name is its verb: lsvirtualenv is ls
    spec = table.VERB_HANDLERS.get(args[0]) or table.VERB_HANDLERS.get(table.COMMAND_VERBS.get(args[0], ""))
    try:
        if spec is None:
            raise UserError(f"unknown verb '{args[0]}' (envwrap --help lists them)", 2)
        if args[0] in table.COMMAND_VERBS:
            # called by its shell command's name (lsvirtualenv): --help and the
            # messages name it so
            return table.handler(spec)(args[1:], prog=args[0])
        return table.handler(spec)(args[1:])
    except UserError as exc:
        _flush_stdout()
        output._say_error(exc)
        return exc.status
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        # Something on disk refused (permissions, a full disk): say what and where.
        _flush_stdout()
        where = f" ({exc.filename})" if exc.filename else ""
        print(one_line(f"envwrap: {exc.strerror or exc}{where}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("envwrap: interrupted; nothing was left half-made", file=sys.stderr)
        return 130
