"""Which environments there are, where each is, and what state it is in.

An environment is any direct child of WORKON_HOME holding a ``pyvenv.cfg``
(whoever made it: venv, virtualenv, uv); names are checked by
:mod:`envwrap.names`. This is the ``workon`` path: it works on plain string
paths and imports nothing beyond os at load time (tests pin the modules
``workon`` loads). Making, copying and removing envs is :mod:`envwrap.lifecycle`.
"""

from __future__ import annotations

import os

from envwrap.core import home, names
from envwrap.core.errors import UserError
from envwrap.core.layout import Layout, read_cfg

TMP_MARKER = ".envwrap-tmpenv"


# Its modification time is when the env was last used (workon, run, shell).
LAST_USED = ".envwrap-last-used"


def listing(root=None) -> list[str]:
    root = os.fspath(root) if root is not None else home.workon_home()
    try:
        entries = os.scandir(root)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise UserError(f"cannot read WORKON_HOME {root}: {exc.strerror}") from None
    found = []
    with entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
                found.append(entry.name)
    return sort_names(found)


def sort_names(found: list[str]) -> list[str]:
    """Names in the order the shell's own listing (``lsvirtualenv -b``, ``workon``)
    prints them, so that both agree. That listing is a glob of NAME/pyvenv.cfg:
    bash and zsh sort those paths with the locale's collation (LC_COLLATE), fish
    with its own natural order, PowerShell ordinally; the fish and PowerShell
    hooks say which with ENVWRAP_SORT."""
    order = os.environ.get("ENVWRAP_SORT")
    if order:
        from envwrap.shells import listing_shell

        shell = listing_shell(order)
        if shell is not None:
            return shell.impl().sort_listing(found)
    paths = [n + "/pyvenv.cfg" for n in found]
    try:
        import locale

        locale.setlocale(locale.LC_COLLATE, "")
        keys = [locale.strxfrm(p) for p in paths]
    except Exception:  # no such locale (locale.Error), a name it cannot take: code points
        keys = paths
    order_of = dict(zip(found, zip(keys, paths)))  # ties broken by code point
    return sorted(found, key=order_of.__getitem__)


def path_of(name: str) -> str:
    """The directory of an existing environment, by name."""
    names.validate(name)
    root = home.workon_home()
    path = os.path.join(root, name)
    if not os.path.isfile(os.path.join(path, "pyvenv.cfg")):
        home.existing_workon_home()  # a WORKON_HOME that is missing is named as such
        if os.path.exists(path):
            raise UserError(f"'{name}' in {root} is not a virtual environment (no pyvenv.cfg)")
        raise UserError(f"environment '{name}' does not exist in {root} (lsvirtualenv lists them)")
    return path


def active_env() -> str | None:
    return os.environ.get("VIRTUAL_ENV") or None


def is_active(path) -> bool:
    active = active_env()
    if active is None:
        return False
    try:
        return os.path.samefile(active, path)
    except OSError:
        return os.path.normpath(active) == os.path.normpath(os.fspath(path))


def current(name: str | None, verb: str) -> tuple[str, str]:
    """The named environment, or the active one when no name is given."""
    if name:
        return name, path_of(name)
    env = active_env()
    if env is None:
        raise UserError(f"{verb}: no environment is active; name one or run workon first")
    if not os.path.isfile(os.path.join(env, "pyvenv.cfg")):
        raise UserError(f"{verb}: VIRTUAL_ENV={env} is not a virtual environment (no pyvenv.cfg)")
    return os.path.basename(env.rstrip(os.sep)), env


def check_new_name(root, name: str) -> str:
    names.validate(name)
    root = os.fspath(root)
    path = os.path.join(root, name)
    if os.path.lexists(path):
        # On a case-insensitive file system 'foo' finds 'Foo': name the one there.
        other = _spelled_otherwise(root, name)
        if other is not None:
            raise UserError(f"'{name}' differs from existing '{other}' only in case")
        what = "environment" if os.path.isfile(os.path.join(path, "pyvenv.cfg")) else "a file or directory named"
        raise UserError(f"{what} '{name}' already exists in {root}")
    return path


def _spelled_otherwise(root: str, name: str) -> str | None:
    """The entry of ``root`` that ``name`` reaches when it is not spelled so
    (a case-insensitive file system), or None."""
    try:
        entries = os.listdir(root)
    except OSError:
        return None
    if name in entries:
        return None
    folded = name.casefold()
    return next((e for e in entries if e.casefold() == folded), None)


def broken(path) -> str | None:
    """Why an environment cannot run, or None when it looks healthy."""
    layout = Layout.of(path)
    try:
        cfg = read_cfg(layout.cfg)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not valid text"
        return f"its pyvenv.cfg cannot be read ({reason})"
    python = layout.python
    if not os.path.lexists(python):
        return f"it has no interpreter at {python}"
    if not os.path.exists(python):
        return f"its base Python {os.path.realpath(python)} is gone"
    base = cfg.get("home")
    if base and not os.path.isdir(base):
        return f"its base Python directory {base} is gone"
    return None


def packages_mismatch(path) -> str | None:
    """'packages were installed for 3.11, the interpreter is 3.12' when the
    env's packages sit in a lib/pythonX.Y that its interpreter does not read
    (its base Python was upgraded in place), else None. Starts no process."""
    from envwrap.core.layout import version_in_name

    layout = Layout.of(path)
    if layout.windows:
        return None  # Lib\site-packages does not depend on the version
    try:
        versions = {version_in_name(n) for n in os.listdir(os.path.join(layout.root, "lib"))} - {None}
    except OSError:
        return None
    now = layout.interpreter_version()
    if now is None or versions <= {now}:
        return None  # the usual case, decided with one listdir and a readlink or two
    found = layout.site_packages_by_version()
    if not found:
        return None

    def filled(sp: str) -> bool:
        try:
            with os.scandir(sp) as entries:
                return any(True for _ in entries)
        except OSError:
            return False

    others = sorted((v for v in found if v != now), key=lambda v: tuple(int(p) for p in v.split(".")))
    if not others or (now in found and (filled(found[now]) or not any(filled(found[v]) for v in others))):
        return None
    old = next((v for v in reversed(others) if filled(found[v])), others[-1])
    return f"packages were installed for {old}, the interpreter is {now}"


class Info:
    def __init__(self, name, path, version, base, project, broken, last_used=None, size=None, creator=None,
                 tmp=False, adopted=None):
        self.name: str = name
        self.path: str = os.fspath(path)
        self.version: str | None = version
        self.base: str | None = base
        self.project: str | None = project
        self.broken: str | None = broken
        self.mismatch: str | None = None if broken else packages_mismatch(path)
        self.last_used: float | None = last_used  # seconds since the epoch; None: never recorded
        self.size: int | None = size  # bytes on disk, hard-linked files once; None: not measured
        self.creator: str | None = creator  # venv, uv, virtualenv; None: unknown
        self.tmp: bool = tmp  # made by mktmpenv
        self.kernel: str | None = _kernel_of(self.path)  # its Jupyter kernel's name (envwrap kernel); None: none
        self.adopted: dict | None = adopted  # envwrap adopt: {"from", "tool", "at"}; None: not adopted

    @property
    def project_missing(self) -> bool:
        return self.project is not None and not os.path.isdir(self.project)

    def as_dict(self) -> dict:
        """The environment as ``envwrap ls --json`` prints it (README: JSON output)."""
        last = None
        if self.last_used is not None:
            import datetime

            last = datetime.datetime.fromtimestamp(self.last_used).astimezone().isoformat(timespec="seconds")
        return {
            "name": self.name,
            "path": str(self.path),
            "python": self.version,
            "base": self.base,
            "project": self.project,
            "project_missing": self.project_missing,
            "broken": self.broken,
            "last_used": last,
            "size": self.size,
            "creator": self.creator,
            "tmp": self.tmp,
            "kernel": self.kernel,
            "adopted": self.adopted,
            "project_files": self.project_files(),
        }

    def project_files(self) -> list[str]:
        """The files of its project that name it (.python-envs, .venv, .python-version)."""
        from envwrap.env import discovery

        return discovery.files_naming(self.path, self.project)


def _kernel_of(path: str) -> str | None:
    from envwrap.env import kernels

    return kernels.name_for(path)


def last_used(path) -> float | None:
    try:
        return os.lstat(os.path.join(path, LAST_USED)).st_mtime
    except OSError:
        return None


# Opening the marker never follows a link (a dangling one would make the caller
# create a file wherever it points: /etc/nologin, as root), nor blocks on a FIFO.
_MARK_FLAGS = (os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0))


def mark_used(path) -> None:
    """Record that the environment is being used now: the modification time of
    its marker file, made the first time. A link there is never followed, and
    anything but a plain file of its own (a FIFO, a hard link to another file)
    is left alone; an env that cannot be written (shared, read-only) is skipped."""
    import stat

    marker = os.path.join(path, LAST_USED)
    try:
        fd = os.open(marker, _MARK_FLAGS, 0o644)
    except OSError:  # ELOOP for a link, EACCES for a read-only env, ENXIO for a FIFO
        return
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_nlink == 1:
            os.utime(fd if os.utime in os.supports_fd else marker)
    except OSError:
        pass
    finally:
        os.close(fd)


def info(name: str, path, sizes=None) -> Info:
    """What is known about an environment; its size only when ``sizes`` (a
    :class:`envwrap.tidy.Sizes`) is given, since that walks its files."""
    from envwrap.env.pyvenv import cfg_version, creator_of

    version = base = creator = None
    try:
        cfg = read_cfg(os.path.join(path, "pyvenv.cfg"))
        version = cfg_version(cfg)
        base = cfg.get("home")
        creator = creator_of(cfg)
    except (OSError, UnicodeError):
        pass
    proj = project_of(path)
    from envwrap.env.origin import origin

    return Info(name, path, version, base, proj, broken(path), last_used=last_used(path),
                size=sizes.of(path) if sizes is not None else None, creator=creator,
                tmp=os.path.isfile(os.path.join(path, TMP_MARKER)),
                adopted=origin(path))


def project_file(env) -> str:
    return os.path.join(env, home.project_filename())


def project_of(env) -> str | None:
    try:
        with open(project_file(env), encoding="utf-8", newline="") as fh:  # no newline translation
            text = fh.read(1 << 16)  # one path; never a link to /dev/zero to the end
    except (OSError, UnicodeError):
        return None
    text = text.rstrip("\n")
    return text or None


def set_project(env, project) -> None:
    project = os.path.abspath(os.path.expanduser(os.fspath(project)))
    if not os.path.isdir(project):
        raise UserError(f"project directory {project} {home.why_not_dir(project)}")
    if "\n" in project:  # the .project file holds one line
        raise UserError("project paths cannot contain a newline")
    from envwrap.core import atomicfile

    atomicfile.replace(project_file(env), project + "\n", inside=env)


def python_envs_on() -> bool:
    """``python_envs`` (old name write_dot_venv; default true)."""
    return home.value("python_envs")[0] is not False


def check_project_file(project) -> None:
    """Before binding to ``project``: raise the one-line UserError that writing
    its ``.python-envs`` would (a link, a directory, a file that is no list of
    environments), so that nothing is changed."""
    if python_envs_on() and project is not None and os.path.isdir(project):
        from envwrap.env import pythonenvs

        pythonenvs.check(project)


def name_in_project(env) -> None:
    """After binding ``env`` (at its final place) to its project: its path as
    the last line (the default) of the project's ``.python-envs`` (PEP 832),
    unless python_envs is off. A file that cannot be written is named in a
    note; a project that uv (or any reader of .python-envs) syncs is warned
    about once, when the env was not named there before."""
    from envwrap.core.errors import say
    from envwrap.env import pythonenvs

    project = project_of(env)
    if project is None or not os.path.isdir(project) or not python_envs_on():
        return
    before = pythonenvs.names(project, env)
    try:
        pythonenvs.append(project, env)
    except UserError as exc:
        say(f"envwrap: note: {exc}; {os.path.basename(os.path.normpath(env))} is not named there")
        return
    local = os.path.join(project, ".venv")
    if os.path.isfile(os.path.join(local, "pyvenv.cfg")) and not before:
        say(f"envwrap: note: {local} is an environment: PEP 832 makes it the default before any line of "
            f"{pythonenvs.NAME} (workon . and auto-activation take it)")
    synced = [f for f in ("uv.lock", "pyproject.toml") if os.path.isfile(os.path.join(project, f))]
    if synced and not before:
        say(f"envwrap: note: {project} has a {synced[0]}: 'uv sync --active' there (or any tool that follows "
            f".python-envs) makes this env match that project, removing whatever else it holds")


def follow_in_project(project, old, new=None) -> None:
    """After ``old`` moved to ``new`` (or was removed: ``new`` None): the lines
    of ``project/.python-envs`` naming it are rewritten in place (or dropped,
    and the file with them when nothing else is left), and so is envwrap's old
    ``.venv`` file. Other lines and files are left; a file that cannot be
    written is named in a note (the move or removal stands)."""
    from envwrap.core.errors import say
    from envwrap.env import projects as dotvenv
    from envwrap.env import pythonenvs

    if project is None or not os.path.isdir(project):
        return
    if new is None:
        dotvenv.remove_if_ours(project, old)
    else:
        dotvenv.retarget(project, old, new)
    if not os.path.lexists(pythonenvs.file_of(project)):
        return
    try:
        if new is None:
            pythonenvs.remove(project, old)
        else:
            pythonenvs.replace(project, old, new)
    except UserError as exc:
        say(f"envwrap: note: {exc}; its line for {os.path.basename(os.path.normpath(old))} is left as it is")
