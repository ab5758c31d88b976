"""An environment as a standard lock file (PEP 751, ``pylock.toml``), and an
environment made again from one.

``envwrap export --format pylock`` writes one ``[[packages]]`` entry per
distribution in the env (pip, which every new env gets by itself, aside), with
the artifact it came from: what its ``direct_url.json`` (PEP 610) says for one
installed from a URL, a local directory (editable or not) or a VCS; for one
installed from an index, whose URL and hash no installer records, the exact
pins are resolved again, with no dependencies, against the user's pip settings
(the same the uv install path passes on: :mod:`envwrap.env.uvinstall`), by
``uv pip compile --format pylock.toml`` when uv is the installer, else by
``pip lock`` (pip 25.1 or later). A pin no index has is one error naming it.

``envwrap import`` / ``mkvirtualenv --from`` read such a file (any tool's): it
is checked (TOML, lock-version 1.x, one source per package, the sha256 of every
local file), then installed by uv or by a pip of 26.1 or later, which are given
the lock itself and so check every hash. What a lock cannot hold (hooks,
variables, the project) is the manifest's (:mod:`envwrap.env.manifest`).
"""

from __future__ import annotations

import os
import re
import sys

from envwrap.core.errors import UserError

LOCK_VERSION = "1.0"
CREATED_BY = "envwrap-venv"  # the normalized name of the distribution, as the spec asks
_SEEDED = {"pip"}
_FILE_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")
_SOURCES = ("vcs", "directory", "archive", "sdist", "wheels")
# What a resolver's entry keeps: the rest (dependencies, markers) means nothing
# for one env's exact set.
_KEEP = ("name", "version", "requires-python", "index", "sdist", "wheels", "archive")


def canonical(name: str) -> str:
    """A distribution name normalized (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _tomllib():
    from envwrap.core import tomlfile

    return tomlfile.tomllib()


def _read(path: str, what: str) -> dict:
    from envwrap.core import tomlfile

    return tomlfile.read(path, what)


def is_lock(path: str) -> bool:
    """Whether ``path`` is a lock file rather than an envwrap manifest: by its
    name, else by its content (a ``lock-version`` and no manifest ``format``)."""
    if _FILE_NAME.match(os.path.basename(path)):  # pylock.toml, pylock.NAME.toml
        return True
    try:
        data = _read(path, "valid TOML")
    except UserError:
        return False  # the manifest's reader says what is wrong with it
    return "lock-version" in data and "format" not in data


# -- export ----------------------------------------------------------------

def _file_hash(path: str) -> str | None:
    import hashlib

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _hashes(info: dict, url: str) -> dict[str, str]:
    """An archive's hashes as its direct_url.json records them (``hashes``, or
    the older ``hash = "ALGO=VALUE"``), else the sha256 of a local file."""
    from envwrap.env.directurl import url_path

    found = info.get("hashes")
    hashes = {k.lower(): v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) else {}
    single = info.get("hash")
    if not hashes and isinstance(single, str) and "=" in single:
        algo, _, value = single.partition("=")
        hashes[algo.lower()] = value
    if "sha256" not in hashes and url.startswith("file:"):
        digest = _file_hash(url_path(url))
        if digest:
            hashes["sha256"] = digest
    return hashes


def entry(name: str, version: str, direct) -> dict | None:
    """The ``[[packages]]`` entry of one distribution from its direct_url.json,
    or None when that does not say where it came from (an index install)."""
    from envwrap.env.directurl import _canonical_url, url_path

    url = direct.get("url") if isinstance(direct, dict) else None
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    package: dict = {"name": canonical(name)}
    subdirectory = direct.get("subdirectory")
    sub = {"subdirectory": subdirectory} if isinstance(subdirectory, str) and subdirectory else {}
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str) and vcs["vcs"]:
        commit = vcs.get("commit_id")
        if not isinstance(commit, str) or not commit:
            return None
        table = {"type": vcs["vcs"], "url": _canonical_url(url)}
        if isinstance(vcs.get("requested_revision"), str) and vcs["requested_revision"]:
            table["requested-revision"] = vcs["requested_revision"]
        package["vcs"] = dict(table, **{"commit-id": commit}, **sub)
        return package  # a source tree: no version, as the spec asks
    dir_info = direct.get("dir_info")
    if isinstance(dir_info, dict) and url.startswith("file:"):
        table = {"path": url_path(url)}
        if dir_info.get("editable") is True:
            table["editable"] = True
        package["directory"] = dict(table, **sub)
        return package
    archive = direct.get("archive_info")
    if isinstance(archive, dict):
        hashes = _hashes(archive, url)
        if not hashes:
            return None
        package["version"] = version
        where = {"path": url_path(url)} if url.startswith("file:") else {"url": _canonical_url(url)}  # uv wants
        package["archive"] = dict(where, **sub, hashes=hashes)  # a path for a local file
        return package
    return None


def build(name: str, env: str, lister=None, resolver=None) -> dict:
    """The lock file of environment ``name`` at ``env``, as a dict."""
    from envwrap.core.layout import Layout
    from envwrap.env import manifest, pyvenv

    layout = Layout.of(env)
    cfg = manifest.env_cfg(layout)
    version = pyvenv.cfg_version(cfg)
    packages, pins = [], []
    for dist, ver, direct in (lister or manifest.distributions)(env):
        if canonical(dist) in _SEEDED:
            continue
        package = entry(dist, ver, direct)
        if package is None:
            pins.append((canonical(dist), ver))
        else:
            packages.append(package)
    if pins:
        found = (resolver or resolve)(layout.python, pins)
        for dist, ver in pins:
            package = found.get(dist)
            if package is None or package.get("version") != ver:
                raise UserError(f"{dist}=={ver}: no artifact of this exact version found through your package "
                                "index settings (pip's index-url, extra-index-url, find-links); nothing was written")
            packages.append({k: package[k] for k in _KEEP if k in package})
    data: dict = {"lock-version": LOCK_VERSION}
    if version:
        data["requires-python"] = "==" + ".".join(version.split(".")[:2]) + ".*"
    data["created-by"] = CREATED_BY
    data["packages"] = sorted(packages, key=lambda p: p["name"])
    data["tool"] = {"envwrap": dict({"name": name}, **({"python": version} if version else {}))}
    return data


def dumps(data: dict) -> str:
    import tomli_w

    return tomli_w.dumps(data)


def _child_env() -> dict[str, str]:  # for uv and pip: whatever the caller has active
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    return env


def _own_pip(least: tuple[int, int]) -> bool:
    """Whether envwrap's own interpreter has a pip of at least ``least``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("pip")
    except PackageNotFoundError:
        return False
    numbers = tuple(int(n) for n in re.findall(r"\d+", found)[:2])
    return numbers >= least


def resolve(python: str, pins: list[tuple[str, str]]) -> dict[str, dict]:
    """The lock entries (by normalized name) of the exact ``pins`` for the
    interpreter ``python``, from the user's package index settings: by uv when
    it is the installer, else by ``pip lock``; one UserError naming the pin
    that no index has."""
    import subprocess
    import tempfile

    from envwrap.env import pip as envpip
    from envwrap.env import uvinstall

    env = _child_env()
    uv = uvinstall.uv_for_install()
    with tempfile.TemporaryDirectory(prefix="envwrap-lock-") as tmp:
        pins_file = os.path.join(tmp, "pins.txt")
        with open(pins_file, "w", encoding="utf-8") as fh:
            fh.writelines(f"{dist}=={ver}\n" for dist, ver in pins)
        if uv is not None:
            settings = uvinstall.pip_settings()
            if settings.get("cert") and "SSL_CERT_FILE" not in env:
                env["SSL_CERT_FILE"] = settings["cert"]
            cmd = [uv, "pip", "compile", "--format", "pylock.toml", "--no-deps", "--no-header", "--quiet",
                   "--python", python, *uvinstall.flags(settings), pins_file]
            tool, culprit = "uv pip compile", uvinstall._culprit
        else:
            # pip reads the user's settings itself; the lock is made for the env's interpreter.
            base = [sys.executable, "-m", "pip", "--python", python] if _own_pip((25, 1)) else [python, "-m", "pip"]
            cmd = [*base, "lock", "--no-deps", "--quiet", "-r", pins_file, "-o", "-"]
            tool, culprit = "pip lock", envpip._culprit
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise UserError(f"cannot run {cmd[0]}: {exc.strerror}") from None
    if proc.returncode != 0:
        found = culprit(proc.stderr)
        if found:
            raise UserError(f"{found}: no artifact of this exact version found through your package index "
                            f"settings ({tool} failed); nothing was written")
        if "unknown command" in proc.stderr:
            raise UserError("finding the artifacts of distributions installed from an index needs uv, or pip "
                            "25.1 or later ('pip lock'); nothing was written")
        lines = proc.stderr.strip().splitlines()
        raise UserError(f"{tool} failed (status {proc.returncode}): {lines[-1] if lines else ''}; "
                        "nothing was written")
    try:
        data = _tomllib().loads(proc.stdout)
    except ValueError as exc:
        raise UserError(f"{tool} wrote no lock file: {exc}") from None
    return {canonical(p["name"]): p for p in data.get("packages", [])
            if isinstance(p, dict) and isinstance(p.get("name"), str)}


# -- import ----------------------------------------------------------------

def _files(package: dict) -> list[dict]:
    """The file tables (archive, sdist, wheels) of a package entry."""
    found = [package[k] for k in ("archive", "sdist") if isinstance(package.get(k), dict)]
    wheels = package.get("wheels")
    return found + ([w for w in wheels if isinstance(w, dict)] if isinstance(wheels, list) else [])


def _local(table: dict, base: str) -> str | None:
    """The local file or directory a source table names (``path``, or a
    ``file:`` URL), absolute; None for a remote one."""
    from envwrap.env.directurl import url_path

    path = table.get("path")
    if isinstance(path, str) and path:
        return os.path.normpath(os.path.join(base, path.replace("/", os.sep)))
    url = table.get("url")
    if isinstance(url, str) and url.startswith("file:"):
        return url_path(url.split("#", 1)[0])
    return None


def load(path: str) -> dict:
    """A lock file read and checked: TOML, a lock-version this envwrap reads,
    every package with a name and one kind of source, every file with a hash,
    and every local file matching its sha256. Anything else is one UserError,
    before anything is made."""
    what = "a valid pylock.toml"
    data = _read(path, what)
    version = data.get("lock-version")
    if not isinstance(version, str) or not re.match(r"^\d+(\.\d+)*$", version):
        raise UserError(f"{path} is not {what} (no lock-version)")
    if int(version.split(".")[0]) > int(LOCK_VERSION.split(".")[0]):
        raise UserError(f"{path} is lock-version {version}; this envwrap reads lock-version {LOCK_VERSION} "
                        "(upgrade envwrap); nothing was changed")
    packages = data.get("packages")
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise UserError(f"{path} is not {what}: 'packages' must be an array of tables")
    base = os.path.dirname(os.path.abspath(path))
    for package in packages:
        name = package.get("name")
        if not isinstance(name, str) or not name:
            raise UserError(f"{path} is not {what}: a package has no name")
        kinds = [k for k in _SOURCES if k in package]
        if not kinds or (len(kinds) > 1 and set(kinds) - {"sdist", "wheels"}):
            raise UserError(f"{path}: package {name} needs one source (vcs, directory, archive, or sdist and "
                            "wheels); nothing was changed")
        for table in _files(package):
            hashes = table.get("hashes")
            if not isinstance(hashes, dict) or not hashes or not all(isinstance(v, str) for v in hashes.values()):
                raise UserError(f"{path}: package {name} lists a file without hashes; nothing was changed")
            local = _local(table, base)
            if local is None or "sha256" not in hashes:
                continue  # the installer checks it as it downloads it
            digest = _file_hash(local)
            if digest is None:
                raise UserError(f"{path}: package {name}'s file {local} cannot be read; nothing was changed")
            if digest != hashes["sha256"].lower():
                raise UserError(f"{path}: package {name}'s file {local} does not match its sha256 in the lock; "
                                "nothing was changed")
    return data


def _absolute(data: dict, base: str) -> dict:
    """A copy of the lock whose relative paths are absolute (they are relative
    to the lock file, and the installer reads a copy elsewhere)."""
    import copy

    out = copy.deepcopy(data)
    for package in out["packages"]:
        trees = [package[k] for k in ("vcs", "directory") if isinstance(package.get(k), dict)]
        for table in _files(package) + trees:
            path = table.get("path")
            if isinstance(path, str) and path and not os.path.isabs(path):
                table["path"] = os.path.normpath(os.path.join(base, path.replace("/", os.sep)))
    return out


def _pip_version(layout) -> tuple[int, ...]:
    """The version of the pip in the env (from its dist-info name), or ()."""
    import glob

    site = layout.site_packages()
    for info in glob.glob(os.path.join(glob.escape(site), "pip-*.dist-info")) if site else ():
        return tuple(int(n) for n in re.findall(r"\d+", os.path.basename(info)[4:])[:2])
    return ()


def _write_lock(directory: str, data: dict, packages: list) -> str:
    """``directory/pylock.toml`` (the name both installers know a lock by)
    holding ``data`` with ``packages``; its path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "pylock.toml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dumps(dict(data, packages=packages)))
    return path


def _pip_install(layout, data: dict, tmp: str, shown: str) -> None:
    """Install the lock into the staged env with pip: its own when it reads
    lock files (26.1 or later), else envwrap's own through --python. pip checks
    hashes all or nothing, and so refuses a lock that mixes files (hashed) with
    directories or VCS checkouts (pypa/pip#13943, #13944): those go in a second
    lock of their own."""
    import subprocess

    from envwrap.core import staging
    from envwrap.env import pip as envpip

    if _pip_version(layout) >= (26, 1):
        base, env = envpip.invocation(layout)
    elif _own_pip((26, 1)):
        base, env = [sys.executable, "-m", "pip", "--python", layout.python], _child_env()
    else:
        raise UserError("installing from a pylock.toml needs uv, or pip 26.1 or later; install uv "
                        "(or set ENVWRAP_INSTALLER=auto)")
    files = [p for p in data["packages"] if _files(p)]
    trees = [p for p in data["packages"] if not _files(p)]
    for part, packages in (("files", files), ("trees", trees)):
        if not packages:
            continue
        lock_file = _write_lock(os.path.join(tmp, part), data, packages)
        sys.stderr.flush()
        proc = subprocess.run([*base, "install", "--no-deps", "-r", lock_file], stdout=sys.stderr.fileno(),
                              stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL,
                              pass_fds=staging.child_fds())
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            culprit = envpip._culprit(proc.stderr)
            raise UserError(f"pip install -r {shown} failed" + (f" on {culprit}" if culprit else "")
                            + f" (status {proc.returncode}); the environment was not created")


def create_from(data: dict, path: str, name: str | None, python: str | None = None, base_opts=None,
                hook_stdout: int | None = None) -> str:
    """Create environment ``name`` (default: the one the lock was exported
    from) from the lock ``data`` read from ``path``, through the normal
    creation path; the packages are installed in the stage, before the
    pre-creation hooks run."""
    import tempfile

    from envwrap.core import home, staging
    from envwrap.core.errors import say
    from envwrap.core.layout import Layout
    from envwrap.env import creators, lifecycle, manifest, relocation, uvinstall

    ours = data.get("tool", {}).get("envwrap", {}) if isinstance(data.get("tool"), dict) else {}
    ours = ours if isinstance(ours, dict) else {}
    name = name or (ours.get("name") if isinstance(ours.get("name"), str) else None)
    if not name:
        raise UserError(f"{path} names no environment: give a NAME")
    wanted = ours.get("python") if isinstance(ours.get("python"), str) else None
    if wanted is None:
        match = re.match(r"^\s*==\s*(\d+\.\d+)", str(data.get("requires-python", "")))
        wanted = match.group(1) if match else None
    exe, _ = manifest._python_for({"python": wanted} if wanted else {}, python)
    opts = creators.CreateOptions(python=exe)
    if base_opts is not None:
        opts = base_opts
        opts.python, opts.packages, opts.requirements = exe or base_opts.python, (), ()
    uv = uvinstall.uv_for_install()
    data = _absolute(data, os.path.dirname(os.path.abspath(path)))

    with tempfile.TemporaryDirectory(prefix="envwrap-lock-") as tmp:
        def prepare(staged) -> None:
            layout = Layout.of(os.fspath(staged))
            final = os.path.join(home.workon_home(), name)
            say(f"envwrap: installing the {len(data['packages'])} packages of {path} with {'uv' if uv else 'pip'}")
            if data["packages"] and uv is not None:
                lock_file = _write_lock(tmp, data, data["packages"])
                try:
                    uvinstall.install(uv, layout.python, ["-r", lock_file], pass_fds=staging.child_fds(),
                                      staged=staged, final=final, lock=True)
                except UserError as exc:
                    raise UserError(str(exc).replace(lock_file, path)) from None
            elif data["packages"]:
                _pip_install(layout, data, tmp, path)
            relocation.relocate(staged, staged, final)  # the scripts just installed, as creation does

        return lifecycle.create(name, opts, prepare=prepare, hook_stdout=hook_stdout)
