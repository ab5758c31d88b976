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
    return sorted(found)


def path_of(name: str) -> str:
    """The directory of an existing environment, by name."""
    names.validate(name)
    root = home.workon_home()
    path = os.path.join(root, name)
    if not os.path.isfile(os.path.join(path, "pyvenv.cfg")):
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


class Info:
    def __init__(self, name, path, version, base, project, broken):
        self.name: str = name
        self.path: str = os.fspath(path)
        self.version: str | None = version
        self.base: str | None = base
        self.project: str | None = project
        self.broken: str | None = broken

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "path": str(self.path),
            "python": self.version,
            "base": self.base,
            "project": self.project,
            "broken": self.broken,
        }


def info(name: str, path) -> Info:
    version = base = None
    try:
        cfg = read_cfg(os.path.join(path, "pyvenv.cfg"))
        version = cfg.get("version_info") or cfg.get("version")
        base = cfg.get("home")
    except (OSError, UnicodeError):
        pass
    proj = project_of(path)
    return Info(name, path, version, base, proj, broken(path))


# ----------------------------------------------------------------- creating


class CreateOptions:
    def __init__(self, python=None, creator=None, system_site_packages=False, without_pip=False,
                 packages=(), requirements=(), project=None, prompt=None, creator_args=()):
        self.python: str | None = python
        self.creator: str | None = creator
        self.system_site_packages: bool = system_site_packages
        self.without_pip: bool = without_pip
        self.packages: tuple[str, ...] = tuple(packages)
        self.requirements: tuple[str, ...] = tuple(requirements)
        self.project: str | None = os.fspath(project) if project else None
        self.prompt: str | None = prompt
        self.creator_args: tuple[str, ...] = tuple(creator_args)


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
    if found is None:
        if re.fullmatch(r"\d+(\.\d+)*", spec):
            found = shutil.which(f"python{spec}")
    if found is None:
        raise UserError(f"python interpreter '{spec}' not found on PATH")
    return os.path.abspath(found)


def _own_base_python() -> str:
    return getattr(sys, "_base_executable", None) or sys.executable


def _uv_binary() -> str | None:
    import shutil

    here = os.path.dirname(sys.executable)
    for candidate in (os.path.join(here, "uv"), os.path.join(here, "uv.exe")):
        if os.path.isfile(candidate):
            return candidate
    return shutil.which("uv")


def creator_choice(explicit: str | None) -> tuple[str, list[str]]:
    """('venv'|'uv'|'command', command-prefix) for a new environment."""
    import shlex
    import shutil

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
        exe = shutil.which("virtualenv")
        if exe is None:
            raise UserError("creator 'virtualenv' asked for, but virtualenv is not on PATH")
        return "command", [exe]
    if choice in ("auto", "uv"):
        uv = _uv_binary()
        if uv:
            return "uv", [uv]
        if choice == "uv":
            raise UserError("creator 'uv' asked for, but uv is not installed (pip install 'envwrap[uv]')")
    return "venv", []


def _run_creator(kind: str, prefix: list[str], target, opts: CreateOptions, name: str) -> None:
    import subprocess

    python = _find_python(opts.python)
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
        cmd.append(str(target))
    elif opts.creator_args:
        raise UserError(
            f"option {opts.creator_args[0]} is not understood by the {kind} creator"
        )
    elif kind == "uv":
        cmd = list(prefix) + ["venv", "--quiet", "--no-project", "--python", python or _own_base_python()]
        if opts.system_site_packages:
            cmd.append("--system-site-packages")
        cmd.append(str(target))
    else:
        if python is None:
            import venv

            builder = venv.EnvBuilder(
                system_site_packages=opts.system_site_packages,
                symlinks=os.name != "nt",
                with_pip=False,
                prompt=opts.prompt or name,
            )
            try:
                builder.create(str(target))
            except ValueError as exc:  # e.g. the path holds the PATH separator
                raise UserError(f"venv refused {target.name!r}: {exc}") from None
            except (OSError, subprocess.CalledProcessError) as exc:
                raise UserError(f"venv could not create the environment: {exc}") from None
            return
        cmd = [python, "-m", "venv", "--without-pip"]
        if opts.system_site_packages:
            cmd.append("--system-site-packages")
        cmd.append(str(target))
    if kind == "uv":
        # Never fetch a Python: creation works offline, with the interpreter named.
        env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    try:
        proc = subprocess.run(cmd, stdout=sys.stderr.fileno(), stderr=subprocess.PIPE, text=True, env=env)
    except OSError as exc:
        raise UserError(f"cannot run creator {cmd[0]}: {exc.strerror}") from None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {proc.returncode}"
        raise UserError(f"{os.path.basename(cmd[0])} could not create the environment: {detail}")


def _pip_install(layout: Layout, args: list[str]) -> None:
    import shlex
    import subprocess

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = str(layout.root)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    cmd = [str(layout.python), "-m", "pip", "install", *args]
    status = subprocess.call(cmd, stdout=sys.stderr.fileno(), env=env, stdin=subprocess.DEVNULL)
    if status != 0:
        shown = " ".join(shlex.quote(a) for a in args)
        raise UserError(f"pip install {shown} failed (status {status}); the environment was not created")


_BOUNDARY = rb"(?=[/\\'\"\s:;]|$)"


def relocate(tree, old, new) -> None:
    """Rewrite ``old`` to ``new`` in the text files that hold an env's own path:
    scripts in bin/, pyvenv.cfg, and .pth / .egg-link files in site-packages."""
    import re
    import uuid
    from pathlib import Path

    pattern = re.compile(re.escape(os.fsencode(old)) + _BOUNDARY, re.MULTILINE)
    replacement = os.fsencode(new).replace(b"\\", b"\\\\")
    layout = Layout.of(tree)
    files: list[Path] = [Path(layout.cfg)]
    try:
        files += [Path(e.path) for e in os.scandir(layout.bin_dir) if e.is_file(follow_symlinks=False)]
    except OSError:
        pass
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
        if b"\0" in data[:4096] or os.fsencode(old) not in data:
            continue
        updated = pattern.sub(replacement, data)
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

        seeding.seed_pip(layout, final_layout)
    activators.write_all(staged, final, opts.prompt or name, layout.windows)
    if opts.project is not None:
        set_project(staged, opts.project)
    installs: list[str] = []
    for req in opts.requirements:
        installs += ["-r", req]
    installs += list(opts.packages)
    if installs:
        if not os.path.exists(layout.python) or (opts.without_pip and not seed):
            raise UserError("-i/-r need pip: drop --without-pip")
        _pip_install(layout, installs)
    relocate(staged, staged, final)


def create(name: str, opts: CreateOptions, tmp: bool = False) -> str:
    """Create environment ``name`` atomically and run premkvirtualenv."""
    from pathlib import Path

    from envwrap import staging

    root = Path(home.ensure_workon_home())
    final = Path(check_new_name(root, name))
    if opts.without_pip and (opts.packages or opts.requirements):
        raise UserError("-i/-r need pip: drop --without-pip")
    for req in opts.requirements:
        if not os.path.isfile(req):
            raise UserError(f"requirements file '{req}' not found")
    kind, prefix = creator_choice(opts.creator)
    staging.sweep(root)
    with staging.NameLock(root, name), staging.Stage(root) as stage:
        staged = stage.dir / name
        _run_creator(kind, prefix, staged, opts, name)
        seed = not opts.without_pip and kind != "command"
        _finish(staged, final, name, opts, seed)
        if tmp:
            (staged / TMP_MARKER).write_text("removed by envwrap when deactivated\n")
        staging.publish(staged, final)
    try:
        hooks.run(os.path.join(home.hook_dir(), "premkvirtualenv"), name, cwd=root, pre=True)
    except UserError:
        _remove_dir(final, root)
        raise
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
    hooks.run(os.path.join(home.hook_dir(), "precpvirtualenv"), src_name, dest, cwd=root, pre=True)
    staging.sweep(root)
    with staging.NameLock(root, dest), staging.Stage(root) as stage:
        staged = stage.dir / dest
        from envwrap.seed import copy_tree

        try:
            copy_tree(src, staged)
        except (OSError, shutil.Error) as exc:
            raise UserError(f"cannot copy {src}: {exc}") from None
        for marker in (TMP_MARKER,):
            (staged / marker).unlink(missing_ok=True)
        relocate(staged, src, final)
        layout = Layout.of(staged)
        activators.write_all(staged, final, dest, layout.windows)
        staging.publish(staged, final)
    return os.fspath(final)


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
        _remove_dir(target, root)
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


# ----------------------------------------------------------------- packages


def site_packages(env) -> str:
    sp = Layout.of(env).site_packages()
    if sp is None:
        raise UserError(f"{env} has no site-packages directory")
    return sp


PATH_EXTENSIONS = "_virtualenv_path_extensions.pth"


def add_paths(env, dirs: list[str], delete: bool) -> list[str]:
    """add2virtualenv: keep extra import paths in a .pth file, as virtualenvwrapper does."""
    pth = os.path.join(site_packages(env), PATH_EXTENSIONS)
    try:
        with open(pth, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        lines = []
    entries = [line for line in lines if line and not line.startswith(("import ", "#"))]
    for d in dirs:
        path = os.path.abspath(os.path.expanduser(d))
        if "\n" in path or "\r" in path:
            raise UserError("paths cannot contain a newline")
        if delete:
            if path in entries:
                entries.remove(path)
        else:
            if not os.path.isdir(path):
                raise UserError(f"{d} is not a directory")
            if path not in entries:
                entries.append(path)
    with open(pth, "w", encoding="utf-8") as fh:
        fh.write("".join(e + "\n" for e in entries))
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


def repair(name: str, python: str | None) -> str:
    """Point a broken environment at a working interpreter and rewrite its scripts."""
    import subprocess

    from envwrap import activators

    path = path_of(name)
    try:
        cfg = read_cfg(os.path.join(path, "pyvenv.cfg"))
    except (OSError, UnicodeError):
        if python is None:
            raise UserError(f"cannot read {os.path.join(path, 'pyvenv.cfg')}; name the interpreter: "
                            f"envwrap repair {name} -p PYTHON") from None
        cfg = {}
    version = (cfg.get("version_info") or cfg.get("version") or "").split(".")
    spec = python or (f"python{version[0]}.{version[1]}" if len(version) >= 2 else None)
    exe = _find_python(spec) if spec else _own_base_python()
    layout = Layout.of(path)
    # venv --upgrade keeps existing interpreter links, dangling ones included:
    # remove them (only links, only the interpreter's names) so venv makes new ones.
    for entry in os.scandir(layout.bin_dir):
        interpreter = entry.name in ("python", "python3") or entry.name.startswith(("python3.", "pypy"))
        if interpreter and entry.is_symlink():
            os.unlink(entry.path)
    status = subprocess.call(
        [exe or _own_base_python(), "-m", "venv", "--upgrade", "--without-pip", str(path)],
        stdout=sys.stderr.fileno(),
    )
    if status != 0:
        raise UserError(f"{exe} -m venv --upgrade failed with status {status}")
    activators.write_all(path, path, name, layout.windows)
    problem = broken(path)
    if problem:
        raise UserError(f"'{name}' is still broken: {problem}")
    return path
