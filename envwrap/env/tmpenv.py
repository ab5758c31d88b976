"""Temporary environments (``mktmpenv``): the marker that makes one, and whether
the shell that made it still runs.

The marker file, ``.envwrap-tmpenv`` in the environment, tells ``deactivate`` to
remove the environment. It also names the shell that made it: its process id
(the hooks pass ``$$`` as ``ENVWRAP_SHELL_PID``) and, where ``/proc`` tells, that
process's start time, so that a reused process id is not taken for it. A
temporary environment whose shell exited without deactivating (a closed
terminal) is left behind; ``envwrap doctor`` reports it and ``--fix`` removes it.
A marker that names no shell (written by an older envwrap, or by a call that
did not come from a shell hook) is never taken for a leftover.
"""

from __future__ import annotations

import os

MARKER = ".envwrap-tmpenv"


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), from /proc; None
    where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    # Field 2, the command name, is in parentheses and may hold spaces and ')'.
    fields = data[data.rfind(b")") + 1:].split()
    return fields[19].decode("ascii", "replace") if len(fields) > 19 else None


def marker_text() -> str:
    lines = ["removed by envwrap when deactivated"]
    pid = os.environ.get("ENVWRAP_SHELL_PID", "")
    if pid.isdigit() and int(pid) > 0:
        lines.append(f"shell-pid = {int(pid)}")
        start = _start_time(int(pid))
        if start is not None:
            lines.append(f"shell-start = {start}")
    return "\n".join(lines) + "\n"


def _read(env) -> dict:
    try:
        with open(os.path.join(env, MARKER), encoding="utf-8", errors="replace") as fh:
            text = fh.read(4096)
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def shell_gone(env) -> bool:
    """Whether ``env`` is a temporary environment whose shell no longer runs.

    False whenever that cannot be known for sure: nothing is ever reported (or
    removed) on a guess, since the environment may be active in a live shell.
    """
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would kill it there
        return False
    values = _read(env)
    pid = values.get("shell-pid", "")
    if not pid.isdigit() or int(pid) <= 0:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, as another user's process
    except OSError:
        return False
    recorded = values.get("shell-start")
    if recorded:
        now = _start_time(int(pid))
        if now is not None and now != recorded:
            return True  # the id now belongs to another process
    return False
