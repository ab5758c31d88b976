"""virtualenvwrapper's hook scripts.

Two kinds, as in virtualenvwrapper:

* *run* hooks are executed as programs by the backend, with arguments, in
  WORKON_HOME (as virtualenvwrapper runs them), before the shell changes:
  ``premkvirtualenv NAME``, ``prermvirtualenv NAME``, ``postrmvirtualenv NAME``,
  ``preactivate NAME`` (global, then the env's own ``bin/preactivate``),
  ``precpvirtualenv SRC_PATH DEST``, ``premvvirtualenv OLD NEW``,
  ``postmvvirtualenv OLD NEW``, ``premkproject NAME``, ``get_env_details
  NAME`` (global, then the env's own). A failing ``pre*`` hook stops the
  operation before anything is changed. README's Hooks section has the table.
* *sourced* hooks are read by the user's shell: ``postmkvirtualenv``,
  ``postcpvirtualenv``, ``postactivate``, ``predeactivate``, ``postdeactivate``,
  ``postmkproject``; they need neither a shebang nor the execute bit. fish and
  PowerShell source ``<hook>.fish`` / ``<hook>.ps1`` beside the POSIX one.

Global hooks live in ``VIRTUALENVWRAPPER_HOOK_DIR`` (default: WORKON_HOME).
envwrap never creates empty hook files.
"""

from __future__ import annotations

import errno
import os
import sys

from envwrap import home
from envwrap.errors import UserError, say

# Where an executed hook's standard output goes. Commands whose stdout the shell
# evaluates set this to stderr, so a hook's chatter can never become shell code.
hook_stdout: int | None = None


def sourced(path, shell: str) -> str:
    """The file the given shell sources for a hook (``postactivate.fish`` for fish)."""
    from envwrap.shells import get

    return os.fspath(path) + get(shell).hook_suffix


def hook_environment() -> dict:
    env = dict(os.environ)
    env["WORKON_HOME"] = home.workon_home()
    env["VIRTUALENVWRAPPER_HOOK_DIR"] = home.hook_dir()
    return env


def run(path, *args: str, cwd=None, pre: bool = False, env: dict | None = None, pass_fds=()) -> None:
    """Execute one hook if it exists.

    ``pass_fds``: descriptors the hook inherits (the stage locks, for a hook that
    runs while a new env is still being built: see staging.child_fds).

    A failing ``pre`` hook raises UserError (the caller has changed nothing yet);
    a failing post hook is reported and the operation's result kept.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        return
    if not os.access(path, os.X_OK):
        say(f"envwrap: hook {path} is not executable (chmod +x it); skipped")
        return
    import subprocess

    cmd = [path, *args]
    sys.stdout.flush()
    try:
        status = subprocess.call(
            cmd, cwd=cwd, env=env or hook_environment(), stdout=hook_stdout, stdin=subprocess.DEVNULL,
            pass_fds=pass_fds,
        )
    except OSError as exc:
        if exc.errno == errno.ENOEXEC:  # no shebang: run it as a shell script
            status = subprocess.call(
                ["/bin/sh", *cmd], cwd=cwd, env=env or hook_environment(), stdout=hook_stdout,
                stdin=subprocess.DEVNULL, pass_fds=pass_fds,
            )
        else:
            message = f"hook {path} could not run: {exc.strerror}"
            if pre:
                raise UserError(message) from None
            say(f"envwrap: {message}")
            return
    if status != 0:
        message = f"hook {path} exited with status {status}"
        if pre:
            raise UserError(message + "; nothing was changed", status=status if 0 < status < 256 else 1)
        say(f"envwrap: {message}")
