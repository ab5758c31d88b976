"""The programs that make a new environment in an empty directory: venv
(envwrap's own Python in-process, or another one's ``-m venv``), uv, and a
command (virtualenv, or the user's VIRTUALENVWRAPPER_VIRTUALENV), behind one
small interface, :class:`Creator`; and finding the interpreter to use."""

from __future__ import annotations

import os
import sys

from envwrap.core import home, staging
from envwrap.core.errors import UserError


class CreateOptions:
    def __init__(self, python=None, creator=None, system_site_packages=False, without_pip=False,
                 packages=(), requirements=(), project=None, prompt=None, creator_args=(), links=None,
                 clear=False, upgrade_deps=False, scm_ignore_files=True):
        self.python: str | None = python
        self.creator: str | None = creator
        self.system_site_packages: bool = system_site_packages
        self.without_pip: bool = without_pip
        self.packages: tuple[str, ...] = tuple(packages)
        self.requirements: tuple[str, ...] = tuple(requirements)
        self.project: str | None = os.fspath(project) if project else None
        self.prompt: str | None = prompt
        self.creator_args: tuple[str, ...] = tuple(creator_args)
        # The options of `python -m venv` that mkvirtualenv takes besides -p,
        # --system-site-packages, --without-pip and --prompt. envwrap itself does
        # --upgrade-deps (pip from the index, after the seed) and
        # --without-scm-ignore-files (no .gitignore) for every creator; --clear
        # changes nothing, since a new environment is built in an empty directory.
        self.links: str | None = links  # "copies", "symlinks" or None (the creator's default)
        self.clear: bool = clear
        self.upgrade_deps: bool = upgrade_deps
        self.scm_ignore_files: bool = scm_ignore_files


def find_python(spec: str | None) -> str | None:
    """Absolute path of the requested interpreter, or None for envwrap's own.
    Always a base interpreter (see :func:`envwrap.pythons.base_of`): an
    environment made from another one's interpreter breaks when that one goes."""
    from envwrap.env import pythons

    if spec is None:
        spec = home.config().get("python")
        if spec is None:
            own = _own_executable()
            base = pythons.base_of(own)
            # envwrap in an environment of a Python older than 3.11 does not know its base
            return base if base is not None and base != os.path.abspath(own) else None
        if not isinstance(spec, str) or not spec:
            raise UserError(f"config file {home.config_path()}: 'python' must be a string")
    if os.sep in spec or (os.altsep and os.altsep in spec):
        path = os.path.abspath(os.path.expanduser(spec))
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise UserError(f"python interpreter '{spec}' not found")
        base = pythons.base_of(path)
        if base is None:
            raise UserError(f"'{spec}' is an environment's interpreter, and the interpreter that environment "
                            "was made from is gone")
        return base
    found = pythons.lookup(spec)  # PATH (environments' interpreters as their base), then pyenv's, uv's, py's
    if found is not None:
        return found
    import re

    if re.fullmatch(r"\d+(\.\d+){0,2}", spec):
        if re.fullmatch(r"\d+\.\d", spec) and pythons.lookup(spec + "0") is not None:
            raise UserError(f"no Python {spec} found, but {spec}0 is: quote it, -p '{spec}0' (PowerShell reads "
                            f"an unquoted {spec}0 as the number {spec})")
        raise UserError(f"no Python {spec} found on PATH or in pyenv's or uv's installs "
                        f"(found: {pythons.versions_line()}; envwrap pythons lists them)")
    raise UserError(f"python interpreter '{spec}' not found on PATH")


def _own_executable() -> str:
    return getattr(sys, "_base_executable", None) or sys.executable


def own_base_python() -> str:
    from envwrap.env import pythons

    own = _own_executable()
    return pythons.base_of(own) or own


def uv_binary() -> str | None:
    return tool_binary("uv")


def tool_binary(tool: str) -> str | None:
    """A creator program: the one installed beside envwrap (``pipx inject``
    puts it there, off PATH), else the one on PATH."""
    here = os.path.dirname(sys.executable)
    for candidate in (os.path.join(here, tool), os.path.join(here, tool + ".exe")):
        if os.path.isfile(candidate):
            return candidate
    import shutil

    return shutil.which(tool)


def _unstage(text: str, staged, final) -> str:
    """A creator's words with the staging path replaced by the env's real one:
    the stage is envwrap's business, the user only ever sees the final path."""
    if final is None:
        return text
    return text.replace(os.fspath(staged), os.fspath(final))


class Creator:
    """A way of making a new environment in an empty directory: ``create``
    builds it at ``target`` (the stage) for an env that will live at ``final``.
    Each kind says how to run it; this base runs the program and turns its
    failure into one line."""

    kind = ""
    seeds_pip = True  # envwrap seeds pip afterwards (a command seeds its own)
    takes_args = False  # passes the options mkvirtualenv does not know on to the program

    def __init__(self, prefix=()):
        self.prefix: list[str] = list(prefix)

    def create(self, target, opts: CreateOptions, name: str, final=None) -> None:
        python = find_python(opts.python)
        if opts.creator_args and not self.takes_args:
            raise UserError(
                f"option {opts.creator_args[0]} is not understood by the {self.kind} creator (--help lists the options)"
            )
        cmd = self.command(target, opts, python, name, final)
        if cmd is not None:
            self.run(cmd, target, final, python)

    def command(self, target, opts: CreateOptions, python: str | None, name: str, final) -> list[str] | None:
        """The program to run, or None when the env was made without one."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONPATH", None)
        return env

    def failure(self, cmd: list[str], stderr: str, status: int, python: str | None, target, final) -> str:
        if python is not None and _interpreter_version(python) is None:
            return f"{python} does not run as a Python interpreter"
        lines = [line for line in _unstage(stderr, target, final).strip().splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {status}"
        return f"{os.path.basename(cmd[0])} could not create the environment: {detail}"

    def run(self, cmd: list[str], target, final, python: str | None) -> None:
        import subprocess

        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  errors="replace", env=self.environment(), pass_fds=staging.child_fds())
        except OSError as exc:
            raise UserError(f"cannot run creator {cmd[0]}: {exc.strerror}") from None
        if proc.stdout and proc.returncode == 0:  # to stderr: our stdout may be shell code
            sys.stderr.write(_unstage(proc.stdout, target, final))
            sys.stderr.flush()
        if proc.returncode != 0:
            raise UserError(self.failure(cmd, proc.stderr, proc.returncode, python, target, final))


def _links(opts: CreateOptions) -> list[str]:
    return [f"--{opts.links}"] if opts.links else []


class Venv(Creator):
    """The standard library's venv: in this process for envwrap's own Python,
    else that interpreter's ``-m venv``."""

    kind = "venv"

    def command(self, target, opts, python, name, final):
        links = _links(opts)
        from envwrap.seeding import venvlayout

        if len(set(links)) < 2 and venvlayout.create(target, python, copies="--copies" in links,
                                                     system_site=opts.system_site_packages,
                                                     prompt=opts.prompt or name, final=final):
            self.names_final = final is not None  # nothing to relocate (lifecycle._finish)
            return None  # venv's tree, replayed from the cache (see venvlayout)
        if python is None:
            import subprocess
            import venv

            builder = venv.EnvBuilder(
                system_site_packages=opts.system_site_packages,
                symlinks="--copies" not in links and (os.name != "nt" or "--symlinks" in links),
                with_pip=False,
                prompt=opts.prompt or name,
            )
            try:
                builder.create(str(target))
            except ValueError as exc:  # e.g. the path holds the PATH separator
                raise UserError(f"venv refused {os.path.basename(target)!r}: {exc}") from None
            except (OSError, subprocess.CalledProcessError) as exc:
                raise UserError(_unstage(f"venv could not create the environment: {exc}", target, final)) from None
            return None
        cmd = [python, "-m", "venv", "--without-pip", *links]
        if opts.system_site_packages:
            cmd.append("--system-site-packages")
        cmd.append(str(target))
        return cmd

    def failure(self, cmd, stderr, status, python, target, final):
        if "No module named venv" in stderr:
            return _without_venv(cmd[0])
        return super().failure(cmd, stderr, status, python, target, final)


class Uv(Creator):
    """``uv venv``, with the interpreter named (never one uv would download)."""

    kind = "uv"

    def command(self, target, opts, python, name, final):
        cmd = self.prefix + ["venv", "--quiet", "--no-project", "--python", python or own_base_python()]
        if opts.system_site_packages:
            cmd.append("--system-site-packages")
        cmd.append(str(target))
        return cmd

    def environment(self):
        env = super().environment()
        # Never fetch a Python: creation works offline, with the interpreter named.
        env.setdefault("UV_PYTHON_DOWNLOADS", "never")
        return env


class Auto(Creator):
    """The default: venv's tree replayed from envwrap's cache when it can be
    (no process, no import of venv: see venvlayout), else uv when installed,
    else venv."""

    kind = "auto"

    def __init__(self):
        super().__init__()
        self.names_final = False  # the tree names the final path, not the stage (lifecycle skips relocating)

    def create(self, target, opts: CreateOptions, name: str, final=None) -> None:
        from envwrap.seeding import venvlayout

        if opts.creator_args:
            raise UserError(f"option {opts.creator_args[0]} is not understood by the auto creator "
                            "(--help lists the options)")
        python = find_python(opts.python)
        if venvlayout.create(target, python, copies=opts.links == "copies", system_site=opts.system_site_packages,
                             prompt=opts.prompt or name, final=final):
            self.names_final = final is not None
            return
        uv = uv_binary() if opts.links != "copies" else None  # looked up only now: shutil.which costs
        fallback = Uv([uv]) if uv else Venv()
        fallback.create(target, opts, name, final)


class Command(Creator):
    """virtualenv, or the user's VIRTUALENVWRAPPER_VIRTUALENV command: called as
    virtualenv is, with the options mkvirtualenv does not know passed on."""

    kind = "command"
    seeds_pip = False
    takes_args = True

    def command(self, target, opts, python, name, final):
        cmd = self.prefix + list(opts.creator_args)
        if opts.python:
            cmd += ["-p", python or opts.python]
        if opts.system_site_packages:
            cmd.append("--system-site-packages")
        if opts.without_pip:
            cmd += ["--no-pip", "--no-setuptools", "--no-wheel"]
        cmd += _links(opts)  # virtualenv has both; a custom command may refuse them itself
        cmd.append(str(target))
        return cmd

    def failure(self, cmd, stderr, status, python, target, final):
        message = super().failure(cmd, stderr, status, python, target, final)
        version = _interpreter_version(python) if python else None
        if version is not None and version.startswith("2."):
            message += (f"; for Python {version} it must be a virtualenv older than 20.22 "
                        "(newer ones cannot make Python 2 environments)")
        return message


def creator_choice(explicit: str | None, copies: bool = False) -> Creator:
    """The creator of a new environment. uv cannot copy the interpreter: with
    ``copies``, venv is used unless uv was asked for on the command line."""
    if explicit is None:
        custom = home.setting("VIRTUALENVWRAPPER_VIRTUALENV")
        if custom:
            import shlex

            args = home.setting("VIRTUALENVWRAPPER_VIRTUALENV_ARGS") or ""
            try:
                return Command(shlex.split(custom) + shlex.split(args))
            except ValueError as exc:
                raise UserError(f"VIRTUALENVWRAPPER_VIRTUALENV(_ARGS) cannot be parsed: {exc}") from None
    from envwrap.core import settings

    choice = explicit or home.value("creator")[0] or "auto"
    if choice not in settings.CREATORS:
        raise UserError(f"unknown creator '{choice}' (choose {', '.join(settings.CREATORS[:-1])} or "
                        f"{settings.CREATORS[-1]})")
    if choice == "virtualenv":
        exe = tool_binary("virtualenv")
        if exe is None:
            raise UserError("creator 'virtualenv' asked for, but virtualenv is not installed "
                            "(pipx inject envwrap-venv virtualenv, or put virtualenv on PATH)")
        return Command([exe])
    if choice == "auto":
        return Auto() if os.name != "nt" else _auto_windows(copies)
    if choice == "uv":
        uv = uv_binary()
        if uv and copies:
            if explicit == "uv":
                raise UserError("the uv creator cannot copy the interpreter (--copies); use --creator venv")
            return Venv()  # uv from the config file: --copies on the command line wins
        if uv:
            return Uv([uv])
        raise UserError("creator 'uv' asked for, but uv is not installed "
                        "(pipx inject envwrap-venv uv, or pip install 'envwrap-venv[uv]')")
    return Venv()


def _auto_windows(copies: bool) -> Creator:
    """Windows has no replayed tree (venvlayout): uv when installed, else venv."""
    uv = uv_binary()
    return Uv([uv]) if uv and not copies else Venv()


def _interpreter_version(python: str) -> str | None:
    """'2.7.18' for a Python 2.7.18 (asked only after a creator failed)."""
    import subprocess

    try:
        proc = subprocess.run([python, "-V"], capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    words = (proc.stdout or proc.stderr).split()  # Python 2 answers on stderr
    return words[1] if len(words) >= 2 and words[0] == "Python" else None


def _without_venv(python: str) -> str:
    """What to say when an interpreter has no venv module: Python 2 (which
    only virtualenv can make environments for), or a Python built without it."""
    version = _interpreter_version(python)
    if version is not None and version.startswith("2."):
        return (f"{python} is Python {version}, which has no venv module: Python 2 environments need "
                "--creator virtualenv, and a virtualenv older than 20.22 installed (newer ones cannot make them)")
    shown = f" (Python {version})" if version else ""
    return (f"{python}{shown} has no venv module: install it (on Debian and Ubuntu: the python3-venv "
            "package), or use --creator virtualenv (virtualenv must be installed)")


def python_version(exe: str | None) -> str:
    """'X.Y' of an interpreter (None: envwrap's own)."""
    import subprocess

    if exe is None:
        return f"{sys.version_info[0]}.{sys.version_info[1]}"
    try:
        proc = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise UserError(f"cannot run {exe}: {exc.strerror}") from None
    if proc.returncode != 0 or not proc.stdout.strip():
        raise UserError(f"{exe} does not run as a Python interpreter")
    return proc.stdout.strip()
