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

A hook someone else could have written is neither run nor sourced (:func:`unsafe`,
ssh's rule for its configuration): the file and every directory above it must
belong to the user or root and be writable by nobody else; a directory with the
sticky bit (``/tmp``) is the exception, as nobody can replace another's entry in
it; so is a group that is the owner's own (named after the owner, with no other
member), as on systems that give each user a private group and umask 002.
Each refusal is one line naming the file (or directory), its owner and mode, and
the fix. The deactivate hooks, sourced by the shell without a process, are
checked when the env is activated: the activation tells the shell which of them
to refuse (:func:`refused_for_deactivate`).
"""

from __future__ import annotations

import errno
import os
import sys

from envwrap.core import home
from envwrap.core.errors import UserError, say


def sourced(path, shell) -> str:
    """The file ``shell`` (its descriptor, envwrap.shells.Shell) sources for a
    hook (``postactivate.fish`` for fish)."""
    return os.fspath(path) + shell.hook_suffix


def _owner(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def _private_group(st) -> bool:
    """Whether the file's group is its owner's own: named as the owner, and no
    other member (the user-private-group convention)."""
    try:
        import grp

        group = grp.getgrgid(st.st_gid)
    except (ImportError, KeyError):
        return False
    owner = _owner(st.st_uid)
    return group.gr_name == owner and set(group.gr_mem) <= {owner}


def _problem(path: str, st, is_dir: bool) -> str | None:
    """Why ``path`` (its stat ``st``) lets someone else change what it holds."""
    import stat

    if not hasattr(os, "geteuid"):
        return None  # Windows: no POSIX modes to judge
    mode = stat.S_IMODE(st.st_mode)
    foreign = st.st_uid not in (os.geteuid(), 0)
    if not foreign and (is_dir and mode & stat.S_ISVTX or not mode & 0o022):
        return None  # the common case, decided without a user or group lookup
    from envwrap.shells.posix import quote as q

    owner = _owner(st.st_uid)
    if foreign:
        return (f"{path} (owner {owner}, mode {mode:04o}) belongs to neither you nor root; "
                f"fix: chown {q(_owner(os.geteuid()))} {q(path)}, or remove it")
    if mode & 0o002 or not _private_group(st):
        who = "others" if mode & 0o002 else "its group"
        return f"{path} (owner {owner}, mode {mode:04o}) is writable by {who}; fix: chmod go-w {q(path)}"
    return None


def _dirs_above(path: str):
    """Every directory above ``path``, as written and as resolved (links followed)."""
    seen = set()
    for start in (os.path.abspath(path), os.path.realpath(path)):
        here = os.path.dirname(start)
        while here not in seen:
            seen.add(here)
            yield here
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent


def unsafe(path: str) -> str | None:
    """Why hook ``path`` must not run or be sourced, or None: it, or a directory
    above it, can be written by someone other than the user and root. A file
    that does not exist is judged by its directories (it may appear later)."""
    path = os.path.abspath(path)
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if st is not None:
        why = _problem(path, st, False)
        if why:
            return why
    for directory in _dirs_above(path):
        try:
            dst = os.stat(directory)
        except OSError:
            continue  # not there: nothing in it to run either
        why = _problem(directory, dst, True)
        if why:
            return why
    return None


def refused(path: str, verb: str) -> bool:
    """Say one line and return True when hook ``path`` is unsafe (:func:`unsafe`)."""
    why = unsafe(path)
    if why is None:
        return False
    say(f"envwrap: hook {path} not {verb}: {why}")
    return True


def source(plan, path, shell) -> None:
    """Add the shell's variant of hook ``path`` to ``plan``, if it exists and is safe."""
    path = sourced(path, shell)
    if os.path.isfile(path) and not refused(path, "sourced"):
        plan.source(path)


def refused_for_deactivate(shell, bin_dir: str, hook_dir: str, project: str | None) -> str:
    """The deactivate hooks the shell must not source, for the shell to keep
    (lines of ``FILE<TAB>MESSAGE``, starting with a newline; FILE as each shell
    spells it, as written and normalised): its deactivate function sources
    them without a process, so it is decided here, at activation."""
    from envwrap.core.errors import one_line

    suffix = sourced("", shell)
    dirs = [bin_dir, hook_dir]
    raw = os.environ.get("VIRTUALENVWRAPPER_HOOK_DIR") or ""  # as the shell spells it
    if raw.startswith("/") and raw not in dirs:
        dirs.append(raw)
    if project:
        dirs.append(os.path.join(project, ".virtualenvwrapper"))
    lines = []
    for directory in dirs:
        for hook in ("predeactivate", "postdeactivate"):
            name = hook + suffix
            why = unsafe(os.path.join(directory, name))
            if why is None:
                continue
            message = one_line(f"envwrap: hook {os.path.join(directory, name)} not sourced: {why}")
            spellings = {os.path.join(directory, name), directory + "/" + name, directory + os.sep + name,
                         os.path.normpath(os.path.join(directory, name))}
            lines += [f"{spelled}\t{message}" for spelled in sorted(spellings) if not set("\t\n") & set(spelled)]
    return "".join("\n" + line for line in lines)


def hook_environment() -> dict:
    env = dict(os.environ)
    env["WORKON_HOME"] = home.workon_home()
    env["VIRTUALENVWRAPPER_HOOK_DIR"] = home.hook_dir()
    return env


def run(path, *args: str, cwd=None, pre: bool = False, env: dict | None = None, pass_fds=(),
        stdout: int | None = None) -> None:
    """Execute one hook if it exists.

    ``stdout``: where the hook's standard output goes (None: ours). A command
    whose stdout the shell evaluates, or that belongs to another program
    (``envwrap run``), passes stderr's descriptor, so that a hook's chatter can
    never become shell code.

    ``pass_fds``: descriptors the hook inherits (the stage locks, for a hook that
    runs while a new env is still being built: see staging.child_fds).

    A failing ``pre`` hook raises UserError (the caller has changed nothing yet);
    a failing post hook is reported and the operation's result kept.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        return
    if refused(path, "run"):  # skipped: its author is not to be trusted
        return
    if not os.access(path, os.X_OK):
        say(f"envwrap: hook {path} is not executable (chmod +x it); skipped")
        return
    import subprocess

    cmd = [path, *args]
    sys.stdout.flush()
    try:
        status = subprocess.call(
            cmd, cwd=cwd, env=env or hook_environment(), stdout=stdout, stdin=subprocess.DEVNULL,
            pass_fds=pass_fds,
        )
    except OSError as exc:
        if exc.errno == errno.ENOEXEC:  # no shebang: run it as a shell script
            status = subprocess.call(
                ["/bin/sh", *cmd], cwd=cwd, env=env or hook_environment(), stdout=stdout,
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
