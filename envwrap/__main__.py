"""Where envwrap starts: the console script (``envwrap.__main__:main``), the
shell hooks (``python -I -S .../envwrap/__main__.py --sys-path=DIR ...``, see
envwrap/hookstart.py) and ``python -m envwrap``.

Ctrl-C from the first instant of envwrap's own code: while the modules load,
before :func:`envwrap.cli.main` is ready to handle KeyboardInterrupt, an
interrupt exits at once with status 130 and one line, nothing having been done
but imports (a KeyboardInterrupt there would print a traceback). Only the
built-in, already loaded ``_signal`` is used: the ``signal`` module imports
enum, a cost on every workon. Run as a script this file is compiled at every
start: it stays this small.
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


def main() -> int:
    from envwrap.cli import main as run

    return run()


if __name__ == "__main__":
    if sys.flags.no_site:  # the hooks' start: envwrap is found beside this file
        sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from envwrap import hookstart

        hookstart.begin()
        hookstart.exit_now(main())
    raise SystemExit(main())
