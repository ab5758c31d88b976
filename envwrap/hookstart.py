"""The start and the end of a backend process that a shell hook runs:
``python -I -S .../envwrap/__main__.py --sys-path=DIR ... ARGS`` (the words
envwrap.shells.loader writes into the preamble). A module, not code in
``__main__.py``: a script run by its path is compiled from source at every
start, a module's bytecode is cached.

-S skips the site module, which cost about a third of a Python start on every
backend call (site-packages listed, every ``.pth`` file there read and run,
sitecustomize looked for). :func:`begin` does what of it envwrap needs;
:func:`exit_now` skips the interpreter's finalization.
"""

import os
import sys

SYS_PATH_WORD = "--sys-path="  # envwrap.shells.loader writes it (its own copy of the word)


def begin() -> None:
    """What site would have done that envwrap needs: the ``--sys-path=DIR``
    words at the front of the arguments are taken off and their directories
    appended to ``sys.path`` (after the standard library's, where site puts
    site-packages), then envwrap's own parent if it is not among them; in a
    virtual environment, ``sys.prefix`` and ``sys.exec_prefix`` become the
    environment, as site.venv() sets them (a pyvenv.cfg beside the interpreter
    or one directory up). The cyclic garbage collector is turned off: the
    process lives a few dozen milliseconds, and its garbage goes with it."""
    import gc

    gc.disable()
    parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if sys.path and sys.path[-1] == parent:  # put there by __main__.py to find this module
        del sys.path[-1]
    args = sys.argv
    while len(args) > 1 and args[1].startswith(SYS_PATH_WORD):
        directory = args.pop(1)[len(SYS_PATH_WORD):]
        if directory and directory not in sys.path:
            sys.path.append(directory)
    if parent not in sys.path:
        sys.path.append(parent)
    if not sys.executable:
        return
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    prefix = os.path.dirname(exe_dir)
    if os.path.isfile(os.path.join(exe_dir, "pyvenv.cfg")) or os.path.isfile(os.path.join(prefix, "pyvenv.cfg")):
        sys.prefix = sys.exec_prefix = prefix


def exit_now(status) -> None:
    """End the process with ``status``: flush what was printed, then leave
    without the interpreter's finalization (its garbage collections and module
    teardown cost about a tenth of ``mkvirtualenv --without-pip``), which has
    nothing to do for envwrap: every file it writes is closed by a with-block,
    its locks are released by theirs, and it registers no atexit function. A
    flush that fails leaves through SystemExit, after envwrap.cli.main has
    said what happened to standard output."""
    if not isinstance(status, int):
        raise SystemExit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(status) from None
    os._exit(status & 0xFF)  # what SystemExit(status) would give the parent
