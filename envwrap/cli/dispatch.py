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
    from envwrap.env import hooks

    usage = "usage: envwrap sh SHELL COMMAND [ARGS...]: shell code for a shell hook to evaluate"
    if args[:1] in (["-h"], ["--help"]):
        output._out(usage)
        return 0
    if len(args) < 2:
        raise UserError(usage, 2)
    shell = shells.canonical(args[0])
    if shell is None:
        raise UserError(f"unknown shell '{args[0]}' (bash, zsh, fish, powershell)", 2)
    spec = table.PLAN_HANDLERS.get(args[1])
    if spec is None:
        raise UserError(f"unknown shell command '{args[1]}'", 2)
    command = table.handler(spec)
    hooks.hook_stdout = sys.stderr.fileno()  # stdout is code from here on
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
            stdout.write(shells.emitter(shell).render(plan.steps))
        else:
            sys.stderr.write(printed.getvalue())
        return status
    finally:
        sys.stdout = stdout
    if printed.getvalue():
        sys.stderr.write(printed.getvalue())
    sys.stdout.write(shells.emitter(shell).render(plan.steps))
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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    output._invoked_as = args[0] if args else None
    try:
        try:
            status = _main(args)
        except SystemExit as exc:  # argparse after --help
            status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        # A reader that closed the pipe early shows up here, inside the try,
        # not as a traceback when the interpreter flushes at exit.
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Nobody reads any more: stop quietly. What is still buffered goes to
        # /dev/null, so the flush at exit cannot fail again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        return 141  # as a command killed by SIGPIPE


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
        return table.handler(spec)(args[1:])
    except UserError as exc:
        sys.stdout.flush()
        output._say_error(exc)
        return exc.status
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        # Something on disk refused (permissions, a full disk): say what and where.
        where = f" ({exc.filename})" if exc.filename else ""
        print(one_line(f"envwrap: {exc.strerror or exc}{where}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("envwrap: interrupted; nothing was left half-made", file=sys.stderr)
        return 130
