"""An environment as a TOML manifest (``envwrap export``), and an environment
made again from one (``envwrap import``, ``mkvirtualenv --from``).

The manifest says what the env is, not where it was: the Python version, the
creator, system-site-packages, the prompt (when it is not the name), the
installed distributions pinned as ``name==version``, or as ``name @ URL`` for
those installed from a URL, a VCS (at its commit), a local directory or archive
(what their ``direct_url.json`` says, as ``pip freeze`` writes them), editable
installs as their source directory (relative to the project when inside it), the project
(relative to PROJECT_HOME when inside it), the add2virtualenv paths, and the
text of the env's own hook scripts. Import goes through the normal creation
path (:func:`envwrap.lifecycle.create`: staged, hooks run, nothing half-made).
"""

from __future__ import annotations

import os
import sys

from envwrap.core import home, settings
from envwrap.core.errors import UserError, say
from envwrap.core.layout import Layout, read_cfg
from envwrap.env import creators, lifecycle, pyvenv, registry, sitepackages
from envwrap.env.directurl import entry, installable, missing_source

FORMAT = 1

# The env's own hook scripts (in its bin/ or Scripts\ directory), and the
# variants fish and PowerShell source.
HOOKS = tuple(name + suffix
              for name in ("preactivate", "postactivate", "predeactivate", "postdeactivate", "get_env_details")
              for suffix in ("", ".fish", ".ps1"))

# What the env's own interpreter reports about its distributions: name,
# version, and what its direct_url.json says (PEP 610: the URL, VCS commit or
# editable source it was installed from), or None.
_LIST_DISTRIBUTIONS = r"""
import json, sys, sysconfig
try:
    import importlib.metadata as md
except ImportError:
    md = None
found = {}
if md is not None:
    paths = sorted({sysconfig.get_paths()[k] for k in ("purelib", "platlib")})
    for dist in md.distributions(path=paths):
        name = dist.metadata["Name"]
        if not name or name.lower() in found:
            continue
        direct = None
        text = dist.read_text("direct_url.json")
        if text:
            try:
                direct = json.loads(text)
            except ValueError:
                pass
        found[name.lower()] = [name, dist.version, direct]
print(json.dumps(sorted(found.values(), key=lambda d: d[0].lower())))
"""

# Distributions a new environment gets by itself; not pinned.
_SEEDED = {"pip"}


def _inside(path: str, base: str | None) -> str | None:
    """``path`` relative to ``base`` when it is inside it, else None."""
    if not base:
        return None
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive
        return None
    if rel == os.curdir:
        return rel
    return None if rel.startswith(os.pardir + os.sep) or rel == os.pardir or os.path.isabs(rel) else rel


def distributions(env: str) -> list[tuple[str, str, dict | None]]:
    """(name, version, its direct_url.json or None) of each distribution in the env."""
    import json
    import subprocess

    layout = Layout.of(env)
    if not os.path.exists(layout.python):
        raise UserError(f"{env} has no working interpreter: {registry.broken(env)}")
    environ = dict(os.environ)
    environ.pop("PYTHONPATH", None)
    environ["VIRTUAL_ENV"] = env
    proc = subprocess.run([layout.python, "-c", _LIST_DISTRIBUTIONS], capture_output=True, text=True,
                          env=environ, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise UserError(f"cannot list the distributions of {env}: {lines[-1] if lines else proc.returncode}")
    return [(n, v, d if isinstance(d, dict) else None) for n, v, d in json.loads(proc.stdout)]


def env_cfg(layout) -> dict[str, str]:
    """The env's pyvenv.cfg, or one line saying why it cannot be read."""
    try:
        return read_cfg(layout.cfg)
    except (OSError, UnicodeError) as exc:
        raise UserError(f"cannot read {layout.cfg}: {getattr(exc, 'strerror', None) or exc}") from None


def build(name: str, env: str, lister=None) -> dict:
    """The manifest of environment ``name`` at ``env``, as a dict."""
    layout = Layout.of(env)
    cfg = env_cfg(layout)
    project = registry.project_of(env)
    data: dict = {"format": FORMAT, "name": name}
    version = pyvenv.cfg_version(cfg)
    if version:
        data["python"] = version
    creator = pyvenv.creator_of(cfg)
    if creator:
        data["creator"] = creator
    data["system_site_packages"] = cfg.get("include-system-site-packages", "").lower() == "true"
    prompt = pyvenv.cfg_prompt(cfg.get("prompt"))
    if prompt and prompt != name:
        data["prompt"] = prompt
    pinned, editable, has_pip = [], [], False
    for dist, ver, direct in (lister or distributions)(env):
        if dist.lower() in _SEEDED:
            has_pip = True
            continue
        kind, value = entry(dist, ver, direct)
        if kind == "editable":
            editable.append(_inside(value, project) or value)
        else:
            pinned.append(value)
    if not has_pip:
        from envwrap.seeding import modes as seedmode

        has_pip = seedmode.zip_of(env) is not None  # seed_mode zip: pip from the shared zip
    data["pip"] = has_pip
    data["distributions"] = pinned
    if editable:
        data["editable"] = editable
    if project:
        data["project"] = _inside(project, home.project_home()) or project
    try:
        paths = sitepackages.path_entries(env)
    except UserError:
        paths = []
    if paths:
        data["paths"] = paths
    hook_text = {}
    for hook in HOOKS:
        path = os.path.join(layout.bin_dir, hook)
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                hook_text[hook] = fh.read()
        except FileNotFoundError:
            continue
        except (OSError, UnicodeError) as exc:
            raise UserError(f"cannot read hook {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if hook_text:
        data["hooks"] = hook_text
    from envwrap.env import variables as envvars

    variables = envvars.load(env)
    if variables:
        data["vars"] = variables
    return data


def dumps(data: dict) -> str:
    import tomli_w

    return tomli_w.dumps(data)


def requirements(data: dict) -> str:
    """The manifest's distributions as a requirements file for other tools
    (in the spelling every pip takes: see :func:`installable`)."""
    base = _project_dir(data)
    lines = [installable(requirement) for requirement in data.get("distributions", [])]
    for source in data.get("editable", []):
        path = source if os.path.isabs(source) or base is None else os.path.join(base, source)
        if any(c.isspace() or c in "'\"#" for c in path):  # one word, as pip and uv read the line
            from pathlib import Path

            path = Path(os.path.abspath(path)).as_uri()
        lines.append(f"-e {path}")
    return "".join(line + "\n" for line in lines)


def _project_dir(data: dict) -> str | None:
    project = data.get("project")
    if not project:
        return None
    if os.path.isabs(project):
        return project
    projects = home.project_home()
    return os.path.join(projects, project) if projects else os.path.abspath(project)


def load(path: str) -> dict:
    """A manifest read and checked; a damaged one, or one from a newer envwrap,
    is one UserError and nothing else."""
    from envwrap.core import tomlfile

    data = tomlfile.read(path, "a valid envwrap manifest")
    version = data.get("format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise UserError(f"{path} is not an envwrap manifest (no format number)")
    if version > FORMAT:
        raise UserError(f"{path} is manifest format {version}; this envwrap reads format {FORMAT} "
                        "(upgrade envwrap); nothing was changed")
    expected = {"name": str, "python": str, "creator": str, "system_site_packages": bool, "prompt": str,
                "pip": bool, "distributions": list, "editable": list, "project": str, "paths": list,
                "hooks": dict, "vars": dict}
    for key, kind in expected.items():
        if key in data and not isinstance(data[key], kind):
            raise UserError(f"{path} is not a valid envwrap manifest: '{key}' must be a {kind.__name__}")
    for key in ("distributions", "editable", "paths"):
        if not all(isinstance(item, str) for item in data.get(key, [])):
            raise UserError(f"{path} is not a valid envwrap manifest: '{key}' must hold strings")
    for hook, text in data.get("hooks", {}).items():
        if hook not in HOOKS or not isinstance(text, str):
            raise UserError(f"{path} is not a valid envwrap manifest: unknown hook '{hook}'")
    from envwrap.env import variables as envvars

    for key, value in data.get("vars", {}).items():
        problem = envvars.validate_key(key) or (envvars.validate_value(key, value) if isinstance(value, str)
                                                else f"the value of {key} must be a string")
        if problem:
            raise UserError(f"{path} is not a valid envwrap manifest: vars: {problem}")
    for dist in data.get("distributions", []):
        if dist.startswith("-"):
            raise UserError(f"{path} is not a valid envwrap manifest: '{dist}' is not a distribution")
    return data


def _python_for(data: dict, explicit: str | None) -> tuple[str | None, list[str]]:
    """(-p value for creation, notes on what differs from the manifest)."""
    notes: list[str] = []
    if explicit:
        return creators.find_python(explicit), notes
    wanted = data.get("python")
    if not wanted:
        return None, notes
    minor = ".".join(wanted.split(".")[:2])
    exe = None
    for spec in (wanted, minor):  # the very version first (pyenv's, uv's), else any of its X.Y
        try:
            exe = creators.find_python(spec)
            break
        except UserError:
            continue
    if exe is None:
        own = f"{sys.version_info[0]}.{sys.version_info[1]}"
        if own != minor:
            raise UserError(f"the manifest wants Python {wanted}, and no Python {minor} was found "
                            "(name one with -p)")
        return None, notes
    return exe, notes


def create_from(data: dict, name: str | None, python: str | None = None, base_opts=None,
                announce: bool = True, swap=None, hook_stdout: int | None = None) -> str:
    """Create environment ``name`` (default: the manifest's) from ``data``
    (``hook_stdout``: where the hooks' standard output goes, see hooks.run)."""
    import subprocess

    name = name or data.get("name")
    if not name:
        raise UserError("the manifest names no environment: give a NAME")
    exe, notes = _python_for(data, python)
    base = _project_dir(data)
    project = None
    if base is not None:
        if os.path.isdir(base):
            project = base
        else:
            import shlex

            notes.append(f"project directory {base} is missing; the environment is not bound to it "
                         f"(bind it when the directory is there: setvirtualenvproject {shlex.quote(name)} "
                         f"{shlex.quote(base)})")
    packages = []
    for requirement in data.get("distributions", []):
        gone = missing_source(requirement)
        if gone is not None:
            notes.append(f"{requirement.partition(' @ ')[0]}'s source {gone} is missing; not installed")
        else:
            packages.append(installable(requirement))
    for source in data.get("editable", []):
        path = source if os.path.isabs(source) else os.path.join(base or os.getcwd(), source)
        if os.path.isdir(path):
            packages += ["-e", path]
        else:
            notes.append(f"editable source {path} is missing; not installed")
    creator = data.get("creator")
    if creator == "auto" or creator not in settings.CREATORS:  # a manifest names the creator that made it
        creator = None
    if creator == "uv" and creators.uv_binary() is None:
        notes.append("the manifest's creator uv is not installed; using the default")
        creator = None
    if creator == "virtualenv" and creators.tool_binary("virtualenv") is None:
        notes.append("the manifest's creator virtualenv is not installed; using the default")
        creator = None
    if base_opts is not None and base_opts.creator:
        creator = base_opts.creator
    without_pip = not data.get("pip", True) and not packages
    opts = creators.CreateOptions(
        python=exe, creator=creator, system_site_packages=bool(data.get("system_site_packages")),
        without_pip=without_pip, packages=packages, project=project, prompt=data.get("prompt"),
    )
    chosen = exe or creators.own_base_python()
    proc = subprocess.run([chosen, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    version = proc.stdout.strip() or "unknown"
    wanted = data.get("python")
    if announce:
        say(f"envwrap: using Python {version} ({chosen})"
            + (f"; the manifest was made with {wanted}" if wanted and wanted != version else ""))
    for note in notes:
        say(f"envwrap: note: {note}")
    if packages:
        from envwrap.env import uvinstall

        installer = "uv" if uvinstall.uv_for_install() is not None else "pip"  # as lifecycle chooses
        say(f"envwrap: installing the manifest's distributions with {installer} (from its cache when they are "
            "there; otherwise from your package index, or the URL a distribution was installed from)")

    def prepare(staged) -> None:
        layout = Layout.of(os.fspath(staged))
        for hook, text in data.get("hooks", {}).items():
            path = os.path.join(layout.bin_dir, hook)
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            if hook in ("preactivate", "get_env_details"):  # run as programs; the others are sourced
                os.chmod(path, 0o755)
        if data.get("paths"):
            sitepackages.add_paths(os.fspath(staged), list(reversed(data["paths"])), False)
        if data.get("vars"):
            from envwrap.env import variables as envvars

            envvars.save(os.fspath(staged), data["vars"])

    return lifecycle.create(name, opts, prepare=prepare, swap=swap, hook_stdout=hook_stdout)


def write(path, text: str, private: bool = False) -> str:
    """Write an exported manifest to ``path``; returns the absolute path written.

    A regular file (new, or one a link names) is written whole: a new file
    renamed over it, with the mode and owner of the file it replaces; a new
    one that holds the env's variables (``private``: they may be secrets) is
    the owner's alone (0600). A FIFO, a terminal, the null device, or a path
    under /dev or /proc (``/dev/stdout``) is written to as a stream, never
    replaced; any other device, a socket or a directory is refused."""
    import stat

    from envwrap.core import atomicfile

    out = os.path.abspath(path)
    try:
        st = os.stat(out)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from None
    try:
        if st is None:
            atomicfile.replace(out, text, mode=0o600 if private else None)
            return out
        if stat.S_ISDIR(st.st_mode):
            raise UserError(f"{out} is a directory; name a file to write the manifest to")
        special = not stat.S_ISREG(st.st_mode) or out.startswith(("/dev/", "/proc/"))
        if not special:
            atomicfile.replace(os.path.realpath(out), text)
            return out
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
            raise UserError(f"{out} is neither a file, a FIFO nor a terminal; not written")
        if stat.S_ISCHR(st.st_mode) and not (_is_null(st) or _is_terminal(st)):
            # Refused before it is opened: opening some devices already acts.
            raise UserError(f"{out} is a device; write the manifest to a file, a FIFO, a terminal or "
                            f"{os.devnull}")
        fd = os.open(out, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
                     | (os.O_TRUNC if stat.S_ISREG(st.st_mode) else 0))
        try:
            view = memoryview(text.encode("utf-8"))
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out


def _is_null(st) -> bool:
    """Whether ``st`` is the null device's."""
    try:
        return st.st_rdev == os.stat(os.devnull).st_rdev
    except OSError:
        return False


def _is_terminal(st) -> bool:
    """Whether the character device ``st`` is a terminal: one of this process's
    own (stdin, stdout, stderr, /dev/tty), or on Linux any of the tty majors."""
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd) and os.fstat(fd).st_rdev == st.st_rdev:
                return True
        except OSError:
            pass
    if sys.platform.startswith("linux"):
        return os.major(st.st_rdev) in (4, 5, *range(136, 144))
    return False
