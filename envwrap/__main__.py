"""Where envwrap starts: the console script (``envwrap.__main__:main``), the
shell hooks (``python -I -S .../envwrap/__main__.py --sys-path=DIR ...``) and
``python -m envwrap``.

Ctrl-C from the first instant of envwrap's own code: while the modules load,
before :func:`envwrap.cli.main` is ready to handle KeyboardInterrupt, an
interrupt exits at once with status 130 and one line, nothing having been done
but imports (a KeyboardInterrupt there would print a traceback). Only the
built-in, already loaded ``_signal`` is used: the ``signal`` module imports
enum, a cost on every workon.

The hooks start Python with ``-S``: the ``site`` module (site-packages, every
``.pth`` file in them, sitecustomize) costs about a third of a Python start on
every backend call. The directories envwrap and its dependencies live in, which
``site`` would have put on ``sys.path``, come instead as leading
``--sys-path=DIR`` words, written by ``envwrap init`` (envwrap.shells.loader),
and ``sys.prefix`` becomes the virtual environment's as ``site`` makes it.
"""

import _signal
import os
import sys


def _interrupted(signum, frame):
    os.write(2, b"envwrap: interrupted\n")
    os._exit(130)


# Not when SIGINT is ignored (a background job): that choice is the caller's.
if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
    _signal.signal(_signal.SIGINT, _interrupted)

SYS_PATH_WORD = "--sys-path="


def without_site() -> None:
    """What ``site`` would have done that envwrap needs, for a start with -S:
    the ``--sys-path=DIR`` words at the front of the arguments are taken off
    and their directories appended to ``sys.path`` (after the standard
    library's, where site-packages would be), then this file's own package's
    parent if it is not among them; in a virtual environment, ``sys.prefix``
    and ``sys.exec_prefix`` become the environment, as site.venv() sets them
    (pyvenv.cfg beside the interpreter or one directory up)."""
    args = sys.argv
    while len(args) > 1 and args[1].startswith(SYS_PATH_WORD):
        directory = args.pop(1)[len(SYS_PATH_WORD):]
        if directory and directory not in sys.path:
            sys.path.append(directory)
    parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if parent not in sys.path:
        sys.path.append(parent)
    if not sys.executable:
        return
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    prefix = os.path.dirname(exe_dir)
    if os.path.isfile(os.path.join(exe_dir, "pyvenv.cfg")) or os.path.isfile(os.path.join(prefix, "pyvenv.cfg")):
        sys.prefix = sys.exec_prefix = prefix


def main() -> int:
    from envwrap.cli import main as run

    return run()


def exit_now(status) -> None:
    """End a hook's backend call: flush what was printed, then leave without
    the interpreter's finalization (its garbage collections and module
    teardown cost about a tenth of ``mkvirtualenv --without-pip``), which has
    nothing to do for envwrap: every file it writes is closed by a with-block,
    its locks are released by theirs, and it registers no atexit function.
    A flush that fails leaves through SystemExit, where envwrap.cli.main's
    handling of a closed or full standard output has already said what
    happened."""
    if not isinstance(status, int):
        raise SystemExit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(status) from None
    os._exit(status & 0xFF)  # what SystemExit(status) would give the parent


if __name__ == "__main__":
    if sys.flags.no_site:  # the hooks' start: a short process, see without_site
        import gc

        gc.disable()  # a process of a few dozen milliseconds: its garbage goes with it
        without_site()
        exit_now(main())
    raise SystemExit(main())
