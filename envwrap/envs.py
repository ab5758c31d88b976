"""Creating, listing, copying, removing and repairing environments.

An environment is any direct child of WORKON_HOME holding a ``pyvenv.cfg``
(whoever made it: venv, virtualenv, uv). Names are checked by
:mod:`envwrap.names`; creation and removal go through :mod:`envwrap.staging`,
so they are atomic.
"""

from __future__ import annotations

import os
import sys

from envwrap import home, hooks, names
from envwrap.errors import UserError
from envwrap.layout import Layout, read_cfg

# Looking things up (the `workon` path) works on plain string paths; creating,
# copying and removing import what they need (pathlib, venv, subprocess, shutil,
# the staging and activator modules) inside the functions, and return strings.

TMP_MARKER = ".envwrap-tmpenv"
# Its modification time is when the env was last used (workon, run, shell).
LAST_USED = ".envwrap-last-used"


# ----------------------------------------------------------------- finding


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
    if order == "fish":
        import functools

        return sorted(found, key=lambda n: functools.cmp_to_key(_fish_glob_cmp)(n + "/pyvenv.cfg"))
    if order == "ordinal":  # .NET's ordinal order: UTF-16 code units
        return sorted(found, key=lambda n: n.encode("utf-16-be", "surrogatepass"))
    paths = [n + "/pyvenv.cfg" for n in found]
    try:
        import locale

        locale.setlocale(locale.LC_COLLATE, "")
        keys = [locale.strxfrm(p) for p in paths]
    except Exception:  # no such locale (locale.Error), a name it cannot take: code points
        keys = paths
    order_of = dict(zip(found, zip(keys, paths)))  # ties broken by code point
    return sorted(found, key=order_of.__getitem__)


def _fish_glob_cmp(a: str, b: str) -> int:
    """fish's order for glob results: letter case ignored, runs of digits compared
    by value (leading zeros and whitespace after a number skipped), ties broken by
    code point."""
    i = j = 0
    result = 0
    while i < len(a) and j < len(b):
        if a[i] in _DIGITS and b[j] in _DIGITS:
            result, i, j = _fish_number_cmp(a, b, i, j)
            if result or i == len(a) or j == len(b):
                break
        x, y = a[i], b[j]
        if x != y:
            x, y = _fold(x), _fold(y)
            if x != y:
                result = -1 if x < y else 1
                break
        i += 1
        j += 1
    if result:
        return result
    if i == len(a):
        if j == len(b):
            return (a > b) - (a < b)
        return -1
    return 1


_DIGITS = frozenset("0123456789")


def _fold(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch


def _fish_number_cmp(a: str, b: str, i: int, j: int) -> tuple[int, int, int]:
    while i < len(a) and a[i] == "0":
        i += 1
    while j < len(b) and b[j] == "0":
        j += 1
    result = 0
    while True:
        da = i < len(a) and a[i] in _DIGITS
        db = j < len(b) and b[j] in _DIGITS
        if not (da and db):
            if da:
                result = 1  # a's number has more digits
            elif db:
                result = -1
            break
        if not result and a[i] != b[j]:
            result = 1 if a[i] > b[j] else -1
        i += 1
        j += 1
    while i < len(a) and a[i].isspace():
        i += 1
    while j < len(b) and b[j].isspace():
        j += 1
    return result, i, j


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
    from envwrap.layout import version_in_name

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
                 tmp=False):
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
        }


def creator_of(cfg: dict) -> str | None:
    """Which tool made an environment, from the keys it wrote into pyvenv.cfg."""
    if "uv" in cfg:
        return "uv"
    if "virtualenv" in cfg:
        return "virtualenv"
    if "version" in cfg or " -m venv" in cfg.get("command", ""):
        return "venv"
    return None


def last_used(path) -> float | None:
    try:
        return os.stat(os.path.join(path, LAST_USED)).st_mtime
    except OSError:
        return None


def mark_used(path) -> None:
    """Record that the environment is being used now: one utime (one open the
    first time). An env that cannot be written (shared, read-only) is skipped."""
    marker = os.path.join(path, LAST_USED)
    try:
        os.utime(marker)
    except FileNotFoundError:
        try:
            os.close(os.open(marker, os.O_WRONLY | os.O_CREAT, 0o644))
        except OSError:
            pass
    except OSError:
        pass


def info(name: str, path, sizes=None) -> Info:
    """What is known about an environment; its size only when ``sizes`` (a
    :class:`envwrap.tidy.Sizes`) is given, since that walks its files."""
    version = base = creator = None
    try:
        cfg = read_cfg(os.path.join(path, "pyvenv.cfg"))
        version = cfg.get("version_info") or cfg.get("version")
        base = cfg.get("home")
        creator = creator_of(cfg)
    except (OSError, UnicodeError):
        pass
    proj = project_of(path)
    return Info(name, path, version, base, proj, broken(path), last_used=last_used(path),
                size=sizes.of(path) if sizes is not None else None, creator=creator,
                tmp=os.path.isfile(os.path.join(path, TMP_MARKER)))


# ----------------------------------------------------------------- creating


class CreateOptions:
    def __init__(self, python=None, creator=None, system_site_packages=False, without_pip=False,
                 packages=(), requirements=(), project=None, prompt=None, creator_args=(), venv_options=()):
        self.python: str | None = python
        self.creator: str | None = creator
        self.system_site_packages: bool = system_site_packages
        self.without_pip: bool = without_pip
        self.packages: tuple[str, ...] = tuple(packages)
        self.requirements: tuple[str, ...] = tuple(requirements)
        self.project: str | None = os.fspath(project) if project else None
        self.prompt: str | None = prompt
        self.creator_args: tuple[str, ...] = tuple(creator_args)
        # options `python -m venv` takes, as typed: see VENV_OPTIONS
        self.venv_options: tuple[str, ...] = tuple(venv_options)


# The options of `python -m venv` that mkvirtualenv takes besides -p,
# --system-site-packages, --without-pip and --prompt, and what each creator does
# with them. envwrap itself does --upgrade-deps (pip from the index, after the
# seed) and --without-scm-ignore-files (no .gitignore) for every creator; --clear
# changes nothing, since a new environment is built in an empty directory.
VENV_OPTIONS = ("--copies", "--symlinks", "--clear", "--upgrade-deps", "--without-scm-ignore-files")


def _find_python(spec: str | None) -> str | None:
    """Absolute path of the requested interpreter, or None for envwrap's own."""
    import re
    import shutil

    if spec is None:
        spec = home.config().get("python")
        if spec is None:
            return None
        if not isinstance(spec, str) or not spec:
            raise UserError(f"config file {home.config_path()}: 'python' must be a string")
    if os.sep in spec or (os.altsep and os.altsep in spec):
        path = os.path.abspath(os.path.expanduser(spec))
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise UserError(f"python interpreter '{spec}' not found")
    found = shutil.which(spec)
    if found is None and re.fullmatch(r"\d+(\.\d+){0,2}", spec):
        from envwrap import pythons

        found = pythons.find(spec)  # PATH's pythonX.Y, then pyenv's, uv's, the py launcher's
        if found is None:
            raise UserError(f"no Python {spec} found on PATH or in pyenv's or uv's installs "
                            f"(found: {pythons.versions_line()}; envwrap pythons lists them)")
    if found is None:
        raise UserError(f"python interpreter '{spec}' not found on PATH")
    return os.path.abspath(found)


def _own_base_python() -> str:
    return getattr(sys, "_base_executable", None) or sys.executable


def _uv_binary() -> str | None:
    return _tool_binary("uv")


def _tool_binary(tool: str) -> str | None:
    """A creator program: the one installed beside envwrap (``pipx inject``
    puts it there, off PATH), else the one on PATH."""
    import shutil

    here = os.path.dirname(sys.executable)
    for candidate in (os.path.join(here, tool), os.path.join(here, tool + ".exe")):
        if os.path.isfile(candidate):
            return candidate
    return shutil.which(tool)


def creator_choice(explicit: str | None, copies: bool = False) -> tuple[str, list[str]]:
    """('venv'|'uv'|'command', command-prefix) for a new environment. uv cannot
    copy the interpreter: with ``copies``, venv is used unless uv was asked for
    on the command line."""
    import shlex

    if explicit is None:
        custom = home.setting("VIRTUALENVWRAPPER_VIRTUALENV")
        if custom:
            args = home.setting("VIRTUALENVWRAPPER_VIRTUALENV_ARGS") or ""
            try:
                return "command", shlex.split(custom) + shlex.split(args)
            except ValueError as exc:
                raise UserError(f"VIRTUALENVWRAPPER_VIRTUALENV(_ARGS) cannot be parsed: {exc}") from None
    choice = explicit or home.setting("ENVWRAP_CREATOR") or home.config().get("creator") or "auto"
    if choice not in ("auto", "venv", "uv", "virtualenv"):
        raise UserError(f"unknown creator '{choice}' (choose auto, venv, uv or virtualenv)")
    if choice == "virtualenv":
        exe = _tool_binary("virtualenv")
        if exe is None:
            raise UserError("creator 'virtualenv' asked for, but virtualenv is not installed "
                            "(pipx inject envwrap-venv virtualenv, or put virtualenv on PATH)")
        return "command", [exe]
    if choice in ("auto", "uv"):
        uv = _uv_binary()
        if uv and copies:
            if explicit == "uv":
                raise UserError("the uv creator cannot copy the interpreter (--copies); use --creator venv")
        elif uv:
            return "uv", [uv]
        elif choice == "uv":
            raise UserError("creator 'uv' asked for, but uv is not installed "
                            "(pipx inject envwrap-venv uv, or pip install 'envwrap-venv[uv]')")
    return "venv", []


def _unstage(text: str, staged, final) -> str:
    """A creator's words with the staging path replaced by the env's real one:
    the stage is envwrap's business, the user only ever sees the final path."""
    if final is None:
        return text
    return text.replace(os.fspath(staged), os.fspath(final))


def _stage_fds() -> tuple[int, ...]:
    """The stage locks, for the processes that build in the stage (see staging)."""
    from envwrap import staging

    return staging.child_fds()


def _run_creator(kind: str, prefix: list[str], target, opts: CreateOptions, name: str, final=None) -> None:
    python = _find_python(opts.python)
    links = [o for o in opts.venv_options if o in ("--copies", "--symlinks")]
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    if kind == "command":
        cmd = list(prefix) + list(opts.creator_args)
        if opts.python:
            cmd += ["-p", python or opts.python]
        if opts.system_site_packages:
            cmd.append("--system-site-packages")
        if opts.without_pip:
            cmd += ["--no-pip", "--no-setuptools", "--no-wheel"]
        cmd += links  # virtualenv has both; a custom command may refuse them itself
        cmd.append(str(target))
    elif opts.creator_args:
        raise UserError(
            f"option {opts.creator_args[0]} is not understood by the {kind} creator (--help lists the options)"
        )
    elif kind == "uv":
        cmd = list(prefix) + ["venv", "--quiet", "--no-project", "--python", python or _own_base_python()]
        if opts.system_site_packages:
            cmd.append("--system-site-packages")
        cmd.append(str(target))
    else:
        from envwrap import venvlayout

        if len(set(links)) < 2 and venvlayout.create(target, python, copies="--copies" in links,
                                                     system_site=opts.system_site_packages,
                                                     prompt=opts.prompt or name):
            return  # venv's tree, replayed from the cache (see venvlayout)
        import subprocess

        if python is None:
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
                raise UserError(f"venv refused {target.name!r}: {exc}") from None
            except (OSError, subprocess.CalledProcessError) as exc:
                raise UserError(_unstage(f"venv could not create the environment: {exc}", target, final)) from None
            return
        cmd = [python, "-m", "venv", "--without-pip", *links]
        if opts.system_site_packages:
            cmd.append("--system-site-packages")
        cmd.append(str(target))
    if kind == "uv":
        # Never fetch a Python: creation works offline, with the interpreter named.
        env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    import subprocess

    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              errors="replace", env=env, pass_fds=_stage_fds())
    except OSError as exc:
        raise UserError(f"cannot run creator {cmd[0]}: {exc.strerror}") from None
    if proc.stdout and proc.returncode == 0:  # to stderr: our stdout may be shell code
        sys.stderr.write(_unstage(proc.stdout, target, final))
        sys.stderr.flush()
    if proc.returncode != 0:
        if kind == "venv" and "No module named venv" in proc.stderr:
            raise UserError(_without_venv(cmd[0]))
        lines = [line for line in _unstage(proc.stderr, target, final).strip().splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {proc.returncode}"
        version = _interpreter_version(python) if kind == "command" and python else None
        if version is not None and version.startswith("2."):
            detail += (f"; for Python {version} it must be a virtualenv older than 20.22 "
                       "(newer ones cannot make Python 2 environments)")
        raise UserError(f"{os.path.basename(cmd[0])} could not create the environment: {detail}")


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


def _pip_install(layout: Layout, args: list[str]) -> None:
    import shlex
    import subprocess

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = str(layout.root)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    cmd = [str(layout.python), "-m", "pip", "install", *args]
    # pip's messages pass through as they come; the one that names the
    # distribution that failed is kept for our own line.
    proc = subprocess.Popen(cmd, stdout=sys.stderr.fileno(), stderr=subprocess.PIPE, env=env,
                            stdin=subprocess.DEVNULL, pass_fds=_stage_fds())
    culprit = None
    assert proc.stderr is not None
    sys.stderr.flush()
    for raw in proc.stderr:
        os.write(sys.stderr.fileno(), raw)
        culprit = culprit or _pip_culprit(raw.decode("utf-8", "replace"))
    status = proc.wait()
    if status != 0:
        shown = " ".join(shlex.quote(a) for a in args)
        what = f"on {culprit}" if culprit else f"({shown})"
        raise UserError(f"pip install failed {what} (status {status}); the environment was not created")


_PIP_FAILURES = (
    r"No matching distribution found for (\S+)",
    r"Could not find a version that satisfies the requirement (\S+)",
    r"Failed (?:to build|building wheel for) (\S+)",
    r"Failed to build installable wheels for some pyproject.toml based projects \((\S+)\)",
    r"error: subprocess-exited-with-error.*?(?:for|×) (\S+)",
)


def _pip_culprit(line: str) -> str | None:
    """The distribution a line of pip's stderr says failed, if it says so."""
    import re

    for pattern in _PIP_FAILURES:
        match = re.search(pattern, line)
        if match:
            return match.group(1).rstrip(".,;")
    return None


_BOUNDARY = rb"(?=[/\\'\"\s:;]|$)"


def _script_interpreter(data: bytes) -> tuple[str, str, bytes] | None:
    """(interpreter, its arguments, rest of the file) of a script that starts
    with a plain ``#!`` line or with the ``/bin/sh`` trampoline that pip, uv and
    envwrap write when a plain line cannot work; None for anything else."""
    import shlex

    if not data.startswith(b"#!"):
        return None
    first, sep, rest = data.partition(b"\n")
    if not sep:
        return None
    try:
        first_text = os.fsdecode(first[2:]).rstrip("\r")
    except UnicodeError:  # pragma: no cover - fsdecode uses surrogateescape
        return None
    if first_text.strip() == "/bin/sh":
        second, sep, body = rest.partition(b"\n")
        line = os.fsdecode(second)
        if sep and line.startswith("'''exec' ") and line.endswith(' "$0" "$@"') and body.startswith(b"' '''"):
            try:
                words = shlex.split(line[len("'''exec' "):-len(' "$0" "$@"')])
            except ValueError:
                return None
            if words:
                end = body.find(b"\n")
                return words[0], " ".join(shlex.quote(w) for w in words[1:]), body[end + 1:] if end >= 0 else b""
        return None
    interpreter, _, args = first_text.strip().partition(" ")
    return interpreter, args.strip(), rest


def _path_replacer(old, new):
    """A function that rewrites whole occurrences of path ``old`` to ``new`` in bytes."""
    import re

    pattern = re.compile(re.escape(os.fsencode(old)) + _BOUNDARY, re.MULTILINE)
    replacement = os.fsencode(new).replace(b"\\", b"\\\\")
    return lambda data: pattern.sub(replacement, data)


def relocate_script(data: bytes, old, new) -> bytes | None:
    """A script run by the interpreter of an env moved from ``old`` to ``new``,
    rewritten to run at ``new``: its first line is seed.shebang's (a plain ``#!``
    line, or the /bin/sh trampoline for a path with whitespace or too long for
    the kernel), and ``old`` is ``new`` in the rest. None when the script is not
    run by the env's own interpreter."""
    from envwrap.seed import shebang

    found = _script_interpreter(data)
    if found is None:
        return None
    interpreter, args, rest = found
    old_s = os.fspath(old).rstrip(os.sep)
    if not interpreter.startswith(old_s + os.sep):
        return None
    moved = os.fspath(new).rstrip(os.sep) + interpreter[len(old_s):]
    return os.fsencode(shebang(moved, args)) + _path_replacer(old, new)(rest)


def relocate(tree, old, new) -> None:
    """Make an env tree that was built or lived at ``old`` work at ``new``: the
    text files that hold its own path (scripts in bin/, pyvenv.cfg, and .pth /
    .egg-link files in site-packages) have ``old`` rewritten to ``new``, and
    each script run by the env's interpreter gets a first line that works at
    ``new`` (:func:`relocate_script`). Copying uses it; so can renaming."""
    import uuid
    from pathlib import Path

    replace = _path_replacer(old, new)
    layout = Layout.of(tree)
    files: list[Path] = [Path(layout.cfg)]
    scripts: list[Path] = []
    try:
        scripts = [Path(e.path) for e in os.scandir(layout.bin_dir) if e.is_file(follow_symlinks=False)]
    except OSError:
        pass
    files += scripts
    site = layout.site_packages()
    if site is not None:
        files += [p for p in Path(site).iterdir() if p.suffix in (".pth", ".egg-link") and p.is_file()]
    for path in files:
        try:
            if path.stat().st_size > 4 << 20:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if b"\0" in data[:4096]:
            continue
        updated = relocate_script(data, old, new) if path in scripts else None
        if updated is None:
            updated = replace(data)
        if updated != data:
            mode = path.stat().st_mode
            tmp = path.with_name(f".{path.name}.envwrap-{uuid.uuid4().hex[:6]}")
            tmp.write_bytes(updated)
            os.chmod(tmp, mode & 0o7777)
            os.replace(tmp, path)


def _finish(staged, final, name: str, opts: CreateOptions, seed: bool) -> None:
    """Everything after the creator ran, still inside the stage."""
    from envwrap import activators

    if not os.path.isfile(os.path.join(staged, "pyvenv.cfg")):
        raise UserError("the creator finished without making an environment (no pyvenv.cfg)")
    layout = Layout.of(staged)
    final_layout = Layout(final, layout.windows)
    if seed:
        from envwrap import seed as seeding

        seeding.seed_pip(layout, final_layout, home=os.path.dirname(os.fspath(final)))
    activators.write_all(staged, final, opts.prompt or name, layout.windows)
    if opts.project is not None:
        set_project(staged, opts.project)
    if "--without-scm-ignore-files" in opts.venv_options:
        try:
            os.unlink(os.path.join(staged, ".gitignore"))  # the creator's: the stage was empty
        except FileNotFoundError:
            pass
    if "--upgrade-deps" in opts.venv_options:
        if not os.path.exists(layout.python) or opts.without_pip:
            raise UserError("--upgrade-deps needs pip: drop --without-pip")
        _pip_install(layout, ["--upgrade", "pip"])
    installs: list[str] = []
    for req in opts.requirements:
        installs += ["-r", req]
    installs += list(opts.packages)
    if installs:
        if not os.path.exists(layout.python) or (opts.without_pip and not seed):
            raise UserError("-i/-r need pip: drop --without-pip")
        from envwrap import uvinstall

        uv = uvinstall.uv_for_install()
        if uv is not None:  # uv when it is there: same settings, a tenth of the time
            uvinstall.install(uv, layout.python, installs, pass_fds=_stage_fds())
        else:
            _pip_install(layout, installs)
    relocate(staged, staged, final)


STAGED_ENV_VAR = "ENVWRAP_STAGED_ENV"


def _keep_stable_interpreter(staged, python: str | None) -> None:
    """When the interpreter was named through a stable link into a versioned
    directory (Homebrew's ``/opt/homebrew/opt/python@3.12/bin/python3.12`` into
    ``Cellar/python@3.12/3.12.1``), the env names that link, never the versioned
    path behind it: pyvenv.cfg's ``home`` and ``executable``, and the env's own
    interpreter links. A patch upgrade that swaps the directory behind the link
    then leaves the env working."""
    import uuid

    if python is None:
        return
    stable = os.path.abspath(python)
    resolved = os.path.realpath(stable)
    if resolved == stable:
        return
    layout = Layout.of(staged)
    if layout.windows:
        return
    stable_dir, resolved_dir = os.path.dirname(stable), os.path.dirname(resolved)
    try:
        with open(layout.cfg, encoding="utf-8", newline="") as fh:
            lines = fh.read().split("\n")
    except (OSError, UnicodeError):
        return
    changed = False
    for i, line in enumerate(lines):
        key, sep, value = line.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep:
            continue
        new = None
        if key == "home" and os.path.realpath(value) == resolved_dir and value != stable_dir:
            new = stable_dir
        elif key in ("executable", "base-executable") and os.path.realpath(value) == resolved and value != stable:
            new = stable
        if new is not None:
            lines[i] = f"{line.partition('=')[0].rstrip()} = {new}"
            changed = True
    if changed:
        tmp = f"{layout.cfg}.envwrap-{uuid.uuid4().hex[:6]}"
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write("\n".join(lines))
        os.replace(tmp, layout.cfg)
    # The env's interpreter links that point into the versioned directory
    # point at the same file through the stable one.
    try:
        entries = list(os.scandir(layout.bin_dir))
    except OSError:
        return
    for entry in entries:
        if not entry.is_symlink():
            continue
        target = os.readlink(entry.path)
        if os.path.isabs(target) and os.path.dirname(target) == resolved_dir:
            stable_target = os.path.join(stable_dir, os.path.basename(target))
            if os.path.realpath(stable_target) == os.path.realpath(target):
                tmp = os.path.join(layout.bin_dir, f".{entry.name}.envwrap-{uuid.uuid4().hex[:6]}")
                os.symlink(stable_target, tmp)
                os.replace(tmp, entry.path)


def _pre_creation_hooks(staged, root, calls) -> None:
    """Run the pre-hooks of a new environment (premkvirtualenv, precpvirtualenv)
    while it is complete but still in its stage, under its name lock: nothing
    lists, completes or activates it before they have all succeeded, and a
    failing one leaves nothing behind. As in virtualenvwrapper they run in
    WORKON_HOME with their arguments; the env's directory until it is moved into
    place is in $ENVWRAP_STAGED_ENV."""
    env = hooks.hook_environment()
    env[STAGED_ENV_VAR] = os.fspath(staged)
    for hook, *args in calls:
        # The hook inherits the stage lock: killed meanwhile, envwrap leaves a stage
        # that the sweep keeps while the hook may still write into it.
        hooks.run(os.path.join(home.hook_dir(), hook), *args, cwd=root, pre=True, env=env,
                  pass_fds=_stage_fds())


def create(name: str, opts: CreateOptions, tmp: bool = False, prepare=None, swap=None) -> str:
    """Create environment ``name`` atomically; premkvirtualenv runs before it is
    published (see :func:`_pre_creation_hooks`). ``prepare(staged_dir)``, when
    given, adds to the env while it is still in its stage (an import writes its
    hooks and import paths there). ``swap(staged, final)``, when given, puts
    the finished env in place of the existing env ``name`` (envwrap upgrade)."""
    from pathlib import Path

    from envwrap import staging

    root = Path(home.ensure_workon_home())
    final = Path(path_of(name) if swap is not None else check_new_name(root, name))
    if opts.without_pip and (opts.packages or opts.requirements):
        raise UserError("-i/-r need pip: drop --without-pip")
    if opts.without_pip and "--upgrade-deps" in opts.venv_options:
        raise UserError("--upgrade-deps needs pip: drop --without-pip")
    for req in opts.requirements:
        if not os.path.isfile(req):
            raise UserError(f"requirements file '{req}' not found")
    kind, prefix = creator_choice(opts.creator, copies="--copies" in opts.venv_options)
    staging.sweep(root)
    with staging.NameLock(root, name), staging.Stage(root) as stage:
        staged = stage.dir / name
        _run_creator(kind, prefix, staged, opts, name, final=final)
        _keep_stable_interpreter(staged, _find_python(opts.python))
        seed = not opts.without_pip and kind != "command"
        _finish(staged, final, name, opts, seed)
        if tmp:
            from envwrap import tmpenv

            (staged / TMP_MARKER).write_text(tmpenv.marker_text())
        if prepare is not None:
            prepare(staged)
        _pre_creation_hooks(staged, root, [("premkvirtualenv", name)])
        (swap or staging.publish)(staged, final)
    return os.fspath(final)


# ----------------------------------------------------------------- copying


def resolve_source(ref: str):
    """A copy source: an environment name, or a path to any environment."""
    from pathlib import Path

    if names.name_problem(ref) is None and os.path.isfile(os.path.join(home.workon_home(), ref, "pyvenv.cfg")):
        return ref, Path(home.workon_home(), ref)
    path = Path(ref).expanduser()
    if (path / "pyvenv.cfg").is_file():
        return path.resolve().name, path.resolve()
    raise UserError(f"'{ref}' is neither an environment in {home.workon_home()} nor an environment directory")


def copy(src_ref: str, dest: str | None) -> str:
    import shutil
    from pathlib import Path

    from envwrap import activators, staging

    src_name, src = resolve_source(src_ref)
    dest = dest if dest is not None else src_name
    root = Path(home.ensure_workon_home())
    final = Path(check_new_name(root, dest))
    staging.sweep(root)
    with staging.NameLock(root, dest), staging.Stage(root) as stage:
        staged = stage.dir / dest
        from envwrap.seed import copy_tree

        try:
            copy_tree(src, staged)
        except (OSError, shutil.Error) as exc:
            raise UserError(f"cannot copy {src}: {exc}") from None
        for marker in (TMP_MARKER, LAST_USED):  # a copy has never been used
            (staged / marker).unlink(missing_ok=True)
        relocate(staged, src, final)
        from envwrap import seedmode

        seedmode.adopt(staged, root)  # a pip zip of another WORKON_HOME comes along
        layout = Layout.of(staged)
        _rename_prompt(layout, src_name, dest)
        activators.write_all(staged, final, dest, layout.windows)
        # virtualenvwrapper's order: precpvirtualenv SOURCE_PATH DEST, then premkvirtualenv DEST.
        _pre_creation_hooks(staged, root, [("precpvirtualenv", os.fspath(src), dest), ("premkvirtualenv", dest)])
        staging.publish(staged, final)
    return os.fspath(final)


def _rename_prompt(layout: Layout, old: str, new: str) -> None:
    """A copy shows its own name: where the source's prompt was its name
    (``prompt`` in pyvenv.cfg, and the activate.csh that venv wrote with it),
    it becomes the copy's. A prompt chosen with --prompt is kept."""
    import ast

    if old == new:
        return
    try:
        with open(layout.cfg, encoding="utf-8", newline="") as fh:
            lines = fh.read().split("\n")
    except (OSError, UnicodeError):
        return
    for i, line in enumerate(lines):
        key, sep, value = line.partition("=")
        if not (sep and key.strip().lower() == "prompt"):
            continue
        value = value.strip()
        quoted = value[:1] in ("'", '"')
        try:
            shown = ast.literal_eval(value) if quoted else value  # venv writes repr(prompt)
        except (ValueError, SyntaxError):
            shown = value
        if shown != old:
            return  # a prompt of its own
        lines[i] = f"prompt = {new!r}" if quoted else f"prompt = {new}"
        with open(layout.cfg, "w", encoding="utf-8", newline="") as fh:
            fh.write("\n".join(lines))
        break
    csh = os.path.join(layout.bin_dir, "activate.csh")
    try:
        with open(csh, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeError):
        return
    updated = text.replace(f"({old}) ", f"({new}) ")
    if updated != text:
        with open(csh, "w", encoding="utf-8", newline="") as fh:
            fh.write(updated)


# ----------------------------------------------------------------- removing


def _remove_dir(path, root) -> None:
    from pathlib import Path

    from envwrap import staging

    staging.discard(Path(path), Path(root))


def remove(name: str) -> str:
    from pathlib import Path

    from envwrap import staging

    names.validate(name)
    root = Path(home.workon_home())
    path = root / name
    if path.is_symlink():
        target = path
    else:
        target = Path(path_of(name))
    active = active_env()
    if active is not None:
        try:
            same = os.path.samefile(active, path) if path.exists() else False
        except OSError:
            same = False
        if same or active == str(path):
            raise UserError(f"environment '{name}' is active: deactivate it first")
    with staging.NameLock(root, name):
        hooks.run(os.path.join(home.hook_dir(), "prermvirtualenv"), name, cwd=root, pre=True)
        project = project_of(target)
        _remove_dir(target, root)
        if project is not None:  # its project's .venv file, when it names this env
            from envwrap import dotvenv

            dotvenv.remove_if_ours(project, path)
        hooks.run(os.path.join(home.hook_dir(), "postrmvirtualenv"), name, cwd=root)
    return os.fspath(target)


def remove_tmp(path) -> None:
    """Remove a mktmpenv environment given by path (the deactivate hook's call)."""
    path = os.fspath(path)
    root = home.workon_home()
    try:
        parent = os.path.realpath(os.path.dirname(path))
        if parent != os.path.realpath(root) or not os.path.isfile(os.path.join(path, TMP_MARKER)):
            raise UserError(f"{path} is not a temporary environment in {root}; not removed")
    except OSError as exc:
        raise UserError(f"cannot check {path}: {exc.strerror}") from None
    remove(os.path.basename(path))


# ----------------------------------------------------------------- projects


def project_file(env) -> str:
    return os.path.join(env, home.project_filename())


def project_of(env) -> str | None:
    try:
        with open(project_file(env), encoding="utf-8", newline="") as fh:  # no newline translation
            text = fh.read()
    except (OSError, UnicodeError):
        return None
    text = text.rstrip("\n")
    return text or None


def set_project(env, project) -> None:
    project = os.path.abspath(os.path.expanduser(os.fspath(project)))
    if not os.path.isdir(project):
        raise UserError(f"project directory {project} does not exist")
    if "\n" in project:  # the .project file holds one line
        raise UserError("project paths cannot contain a newline")
    with open(project_file(env), "w", encoding="utf-8", newline="") as fh:
        fh.write(project + "\n")


def write_dot_venv(env, force: bool = False) -> None:
    """After binding ``env`` (at its final place) to its project: the project's
    ``.venv`` file naming it (PEP 832), unless write_dot_venv is off; a ``.venv``
    left alone is named in a note."""
    from envwrap import dotvenv
    from envwrap.errors import say

    project = project_of(env)
    if project is None or not os.path.isdir(project) or not dotvenv.enabled():
        return
    why = dotvenv.write(project, env, force)
    if why:
        say(f"envwrap: note: {why}")


# ----------------------------------------------------------------- packages


def site_packages(env) -> str:
    sp = Layout.of(env).site_packages()
    if sp is None:
        raise UserError(f"{env} has no site-packages directory")
    return sp


PATH_EXTENSIONS = "_virtualenv_path_extensions.pth"

# The first and last lines of virtualenvwrapper's PATH_EXTENSIONS file, byte for
# byte, so that either tool reads what the other wrote. site.py runs them as
# code: the first notes where sys.path ends, the paths in between are appended
# by site.py, and the last moves them to the front of sys.path (before
# site-packages and the standard library), so a source tree shadows an
# installed copy of the same package.
PTH_FIRST = "import sys; sys.__plen = len(sys.path)"
PTH_LAST = ("import sys; new=sys.path[sys.__plen:]; del sys.path[sys.__plen:]; "
            "p=getattr(sys,'__egginsert',0); sys.path[p:p]=new; sys.__egginsert = p+len(new)")


def path_entries(env) -> list[str]:
    """The directories add2virtualenv put on the env's import path, first first."""
    pth = os.path.join(site_packages(env), PATH_EXTENSIONS)
    try:
        with open(pth, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeError) as exc:
        raise UserError(f"cannot read {pth}: {getattr(exc, 'strerror', None) or exc}") from None
    # site.py's rules: "import" lines are code, "#" lines comments, blank lines nothing.
    return [line.rstrip() for line in lines
            if line.strip() and not line.startswith(("import ", "import\t", "#"))]


def add_paths(env, dirs: list[str], delete: bool) -> list[str]:
    """add2virtualenv: keep extra import paths in virtualenvwrapper's .pth file.

    A new directory goes first (as virtualenvwrapper inserts it), and may not
    exist yet (site.py skips it until it does; a warning says so). ``delete``
    removes an entry whether or not its directory still exists.
    """
    import uuid

    from envwrap.errors import say

    pth = os.path.join(site_packages(env), PATH_EXTENSIONS)
    entries = path_entries(env)
    for d in dirs:
        path = os.path.abspath(os.path.expanduser(d))
        if any(c in path for c in "\n\r\0"):
            raise UserError("paths cannot contain a newline or NUL")
        if path != path.strip():
            raise UserError(f"'{d}': site.py strips whitespace at the ends of a path, so this one cannot work")
        if delete:
            if path in entries:
                entries.remove(path)
            else:
                say(f"envwrap: warning: {path} was not on the import path")
        elif path not in entries:
            if not os.path.exists(path):
                say(f"envwrap: warning: {path} does not exist (yet); added, and used once it exists")
            entries.insert(0, path)
    tmp = f"{pth}.envwrap-{uuid.uuid4().hex[:6]}"
    if not entries:
        try:
            os.unlink(pth)
        except FileNotFoundError:
            pass
        return entries
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("".join(line + "\n" for line in (PTH_FIRST, *entries, PTH_LAST)))
    os.replace(tmp, pth)
    return entries


def toggle_global(env) -> bool:
    """Flip include-system-site-packages in pyvenv.cfg; returns the new value."""
    import uuid

    cfg = os.path.join(env, "pyvenv.cfg")
    try:
        with open(cfg, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeError) as exc:
        raise UserError(f"cannot read {cfg}: {exc}") from None
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    new_value = True
    for i, line in enumerate(lines):
        key, sep, value = line.partition("=")
        if sep and key.strip().lower() == "include-system-site-packages":
            new_value = value.strip().lower() != "true"
            lines[i] = f"include-system-site-packages = {'true' if new_value else 'false'}"
            break
    else:
        lines.append("include-system-site-packages = true")
    tmp = os.path.join(env, f".pyvenv.cfg.{uuid.uuid4().hex[:6]}")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, cfg)
    return new_value


def wipe(env) -> list[str]:
    """Uninstall every package pip reports in the env (pip itself stays)."""
    import subprocess

    layout = Layout.of(env)
    if not os.path.exists(layout.python):
        raise UserError(f"{env} has no working interpreter: {broken(env)}")
    envvars = dict(os.environ, VIRTUAL_ENV=str(env), PIP_DISABLE_PIP_VERSION_CHECK="1")
    envvars.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [str(layout.python), "-m", "pip", "list", "--local", "--format=freeze", "--exclude-editable"],
        capture_output=True, text=True, env=envvars,
    )
    editable = subprocess.run(
        [str(layout.python), "-m", "pip", "list", "--local", "--format=freeze", "--editable"],
        capture_output=True, text=True, env=envvars,
    )
    if proc.returncode != 0:
        raise UserError(f"pip cannot list the packages of {env}; is pip installed in it?")
    keep = {"pip", "setuptools", "wheel", "distribute"}
    pkgs = []
    for line in (proc.stdout + editable.stdout).splitlines():
        pkg = line.split("==")[0].strip()
        if pkg and pkg.lower() not in keep:
            pkgs.append(pkg)
    if pkgs:
        status = subprocess.call(
            [str(layout.python), "-m", "pip", "uninstall", "-y", *pkgs],
            stdout=sys.stderr.fileno(), env=envvars,
        )
        if status != 0:
            raise UserError(f"pip uninstall failed with status {status}")
    return pkgs


def _python_version(exe: str | None) -> str:
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


def _cfg_prompt(value: str | None) -> str | None:
    """The prompt as pyvenv.cfg holds it: venv writes a Python string literal
    (``prompt = 'name'``), uv and virtualenv the bare text."""
    import ast

    if not value:
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        try:
            literal = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return literal if isinstance(literal, str) else value
    return value


def _keep_cfg_lines(cfg_path: str, old_lines: list[str]) -> None:
    """Put back the pyvenv.cfg lines (prompt, a creator's own keys) that
    ``venv --upgrade`` dropped when it rewrote the file."""
    import uuid

    try:
        with open(cfg_path, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeError):
        return
    # Keys that describe the old interpreter are not kept: venv wrote the new ones.
    stale = {"home", "executable", "command", "version", "version_info", "implementation",
             "base-prefix", "base-exec-prefix", "base-executable"}
    present = {line.partition("=")[0].strip().lower() for line in text.split("\n") if "=" in line} | stale
    lost = [line for line in old_lines if "=" in line and line.partition("=")[0].strip().lower() not in present]
    if not lost:
        return
    tmp = f"{cfg_path}.envwrap-{uuid.uuid4().hex[:6]}"
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text if text.endswith("\n") or not text else text + "\n")
        fh.write("".join(line + "\n" for line in lost))
    os.replace(tmp, cfg_path)


def repair(name: str, python: str | None) -> str:
    """Point a broken environment at a working interpreter of the same X.Y and
    rewrite its scripts. Another X.Y is refused: the packages live in
    lib/pythonX.Y, which another interpreter does not read."""
    import subprocess

    from envwrap import activators

    path = path_of(name)
    cfg_path = os.path.join(path, "pyvenv.cfg")
    try:
        cfg = read_cfg(cfg_path)
        with open(cfg_path, encoding="utf-8", newline="") as fh:
            old_lines = [line.rstrip("\r") for line in fh.read().split("\n")]
    except (OSError, UnicodeError):
        if python is None:
            raise UserError(f"cannot read {cfg_path}; name the interpreter: "
                            f"envwrap repair {name} -p PYTHON") from None
        cfg, old_lines = {}, []
    layout = Layout.of(path)
    made_with = layout.cfg_version()
    if made_with is None and not layout.windows:
        found = layout.site_packages_by_version()
        made_with = next(iter(found)) if len(found) == 1 else None
    spec = python or (f"python{made_with}" if made_with else None)
    exe = _find_python(spec) if spec else _own_base_python()
    if made_with is not None:
        target = _python_version(exe)
        if target != made_with:
            raise UserError(
                f"'{name}' was made with Python {made_with} and {spec or exe} is Python {target}: repair keeps "
                f"the version (the packages are in lib/python{made_with}); use -p python{made_with}, or move "
                f"the environment to {target} with 'envwrap upgrade -p {spec or exe} {name}'"
            )
    # venv --upgrade keeps existing interpreter links, dangling ones included:
    # remove them (only links, only the interpreter's names) so venv makes new ones.
    for entry in os.scandir(layout.bin_dir):
        interpreter = entry.name in ("python", "python3") or entry.name.startswith(("python3.", "pypy"))
        if interpreter and entry.is_symlink():
            os.unlink(entry.path)
    cmd = [exe or _own_base_python(), "-m", "venv", "--upgrade", "--without-pip"]
    if cfg.get("include-system-site-packages", "").lower() == "true":
        cmd.append("--system-site-packages")  # venv --upgrade rewrites the setting from its options
    status = subprocess.call(cmd + [str(path)], stdout=sys.stderr.fileno())
    if status != 0:
        raise UserError(f"{exe} -m venv --upgrade failed with status {status}")
    _keep_cfg_lines(cfg_path, old_lines)
    activators.write_all(path, path, _cfg_prompt(cfg.get("prompt")) or name, layout.windows)
    problem = broken(path)
    if problem:
        raise UserError(f"'{name}' is still broken: {problem}")
    return path


# ----------------------------------------------------------------- renaming


def _link_tree(src, dst, copied) -> None:
    """Rebuild the tree ``src`` at ``dst`` with hard links (copies where the file
    system refuses them), except for the files in ``copied`` (paths relative to
    ``src``) and every file of the top of the bin directory, which are copied:
    those are the ones a rename rewrites, and some of the writers (the activate
    scripts, pyvenv.cfg's prompt) write in place, which must never reach the
    original through a shared inode. Everything else is only ever replaced
    (write a new file, rename it over), so the original stays as it was."""
    from envwrap.seed import _copy_file

    src_s, dst_s = os.fspath(src), os.fspath(dst)
    os.makedirs(dst_s)
    for dirpath, dirnames, filenames in os.walk(src_s):
        rel = dirpath[len(src_s):].lstrip(os.sep)
        target = os.path.join(dst_s, rel) if rel else dst_s
        if rel:
            os.makedirs(target, exist_ok=True)
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):  # os.walk does not descend into these
                os.symlink(os.readlink(path), os.path.join(target, name))
        for name in filenames:
            path = os.path.join(dirpath, name)
            out = os.path.join(target, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), out)
                continue
            if os.path.join(rel, name) in copied or rel in copied:
                _copy_file(path, out)
                continue
            try:
                os.link(path, out, follow_symlinks=False)
            except OSError:
                _copy_file(path, out)


def _replace_file(path: str, data: bytes) -> None:
    """Write ``data`` as a new file renamed over ``path`` (never in place)."""
    import uuid

    mode = os.lstat(path).st_mode
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.envwrap-{uuid.uuid4().hex[:6]}")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode & 0o7777)
    os.replace(tmp, path)


def _relocate_text(tree, old, new) -> None:
    """Rewrite the whole path ``old`` to ``new`` in every other text file of the
    tree that names it (a RECORD, a tool's own config, a .csh or .nu activate
    script): after a rename no text file may still point at the old place.
    Bytecode and files that hold a NUL byte (binaries) are left alone; Python
    fixes a .pyc's recorded file name itself when it loads it."""
    needle = os.fsencode(os.fspath(old))
    replace = _path_replacer(old, new)
    for dirpath, dirnames, filenames in os.walk(os.fspath(tree)):
        if "__pycache__" in dirnames:
            dirnames.remove("__pycache__")
        for name in filenames:
            if name.endswith((".pyc", ".so", ".dylib", ".dll", ".exe", ".pyd")):
                continue
            path = os.path.join(dirpath, name)
            try:
                if os.path.islink(path) or os.path.getsize(path) > 16 << 20:
                    continue
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if needle not in data or b"\0" in data:
                continue
            updated = replace(data)
            if updated != data:
                _replace_file(path, updated)


def _is_active(path) -> bool:
    active = active_env()
    if active is None:
        return False
    try:
        return os.path.samefile(active, path)
    except OSError:
        return os.path.normpath(active) == os.path.normpath(os.fspath(path))


def move(old: str, new: str) -> str:
    """Rename environment ``old`` to ``new``.

    The renamed env is built beside the old one, in a stage, as a tree of hard
    links to the old env's files (copies where the file system refuses links)
    with every file that names the old path rewritten as a new file: the old
    env's own files are never written. Then, under both name locks, the new env
    is published with one rename and the old one goes to the trash with another.
    Killed at any moment, this leaves the old env whole (before the publish), or
    both whole (between the two renames), or the new one whole; never a
    half-rewritten env. The cost of a copy is avoided: links take no space."""
    from pathlib import Path

    from envwrap import activators, staging

    names.validate(old)
    names.validate(new)
    root = Path(home.existing_workon_home())
    link = root / old
    if link.is_symlink():
        raise UserError(f"'{old}' in {root} is a link to {os.path.realpath(link)}; rename the link itself")
    src = Path(path_of(old))
    if old == new:
        raise UserError(f"'{old}' already has that name")
    final = Path(check_new_name(root, new))
    if _is_active(src):
        raise UserError(f"environment '{old}' is active: deactivate it first")
    layout = Layout.of(src)
    staging.sweep(root)
    with staging.NameLock(root, old), staging.NameLock(root, new), staging.Stage(root) as stage:
        staged = stage.dir / new
        copied = {"pyvenv.cfg", os.path.relpath(layout.bin_dir, src)}
        try:
            _link_tree(src, staged, copied)
        except OSError as exc:
            raise UserError(f"cannot copy {src}: {exc.strerror or exc}") from None
        relocate(staged, src, final)
        _relocate_text(staged, src, final)
        staged_layout = Layout.of(staged)
        _rename_prompt(staged_layout, old, new)
        try:
            prompt = _cfg_prompt(read_cfg(staged_layout.cfg).get("prompt")) or new
        except (OSError, UnicodeError):
            prompt = new
        activators.write_all(staged, final, prompt, staged_layout.windows)
        _pre_creation_hooks(staged, root, [("premvvirtualenv", old, new)])
        staging.publish(staged, final)
        project = project_of(final)
        if project:  # its .venv pointer (path or name form) follows the move
            from envwrap import dotvenv

            dotvenv.retarget(project, src, final)
        staging.discard(src, root)
    hooks.run(os.path.join(home.hook_dir(), "postmvvirtualenv"), old, new, cwd=root)
    return os.fspath(final)
