"""How a new environment gets its pip: ``envwrap config seed_mode auto|copy|zip``.

``auto`` (the default): ``zip`` when the seeded pip reads its own metadata from
a zip correctly (see :func:`zip_suits`), else ``copy``.

``zip``: every env of one Python shares one read-only zip of pip with its
bytecode (unchecked-hash ``.pyc``: the zip never changes), named by what it holds
(pip's RECORD and the Python version), in ``WORKON_HOME/.envwrap/seeds/``; the
env's site-packages holds only ``envwrap-pip.pth``, which puts the zip on
``sys.path`` after site-packages. Creating an env writes 4 files instead of
1,000. Nothing an env does reaches the zip: ``pip install --upgrade pip``
installs a real pip into the env, which shadows the zip; ``pip uninstall pip``
refuses (the zip is outside the env); an edit or ``chmod`` of the env's pip
means the user installed their own. The ``.pth`` names the zip twice: relative
to the env's site-packages first (so that renaming an env, or moving the whole
WORKON_HOME, keeps pip working), then by its absolute path (for the env while
it is built in its stage, and an env moved out of its home). A zip stays while
any env (or a stage being built) names it; ``envwrap doctor --fix`` removes the
others; ``cpvirtualenv`` from another WORKON_HOME brings the zip along.

``copy``: the env gets its own copy of pip, with bytecode that the env's
interpreter compiled once per pip and Python version (``seed-compiled/`` in
envwrap's cache) and the files' modification times kept, so that the ``.pyc``
files are valid and the first ``pip`` call costs what the second does. The env
is self-contained: it can be rsynced elsewhere alone, and nothing outside it
matters. It costs about 1,000 files per env (docs/performance.md).
"""

from __future__ import annotations

import os

from envwrap.core.errors import UserError
from envwrap.core.settings import BY_KEY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
# subprocess and pathlib are imported where used: reuse.fast_seed, the hot
# path of creation, needs only mode, seeds_path and link_zip.

MODES = BY_KEY["seed_mode"].allowed
PTH = "envwrap-pip.pth"
# Removed by doctor --fix only when unused and not reused for this long (an env
# being created right now may have picked it a moment ago).
UNUSED_GRACE = 600


def mode() -> str:
    from envwrap.core import home

    value = home.value("seed_mode")[0] or "auto"
    if value not in MODES:
        raise UserError(f"seed_mode '{value}' is not one of {', '.join(MODES)} (envwrap config seed_mode auto)")
    return value


def zip_suits(plain, python) -> bool:
    """Whether ``seed_mode auto`` may give ``python``'s envs the pip of seed
    ``plain`` as a shared zip: a CPython of 3.11 or later (where pip reads
    metadata with importlib.metadata) and a pip without the legacy egg finder,
    which finds a zipped pip a second time and says "Loading egg at ... is
    deprecated" (pip 23 and 24 have it)."""
    if python.impl != "cpython" or tuple(int(n) for n in python.short.split(".")) < (3, 11):
        return False
    try:
        with open(os.path.join(plain, "pip", "_internal", "metadata", "importlib", "_envs.py"), "rb") as fh:
            return b"find_eggs" not in fh.read()
    except OSError:
        return False


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.pop("VIRTUAL_ENV", None)
    return env


def _pip_version(plain: Path) -> str | None:
    for name in os.listdir(plain):
        if name.startswith("pip-") and name.endswith(".dist-info"):
            return name[len("pip-"):-len(".dist-info")]
    return None


def compiled_seed(plain: Path, python, interpreter) -> Path | None:
    """``plain`` (a seed without bytecode) with the bytecode of ``interpreter``
    (timestamp ``.pyc``, for the source files' modification times, which
    copy_tree keeps), made once per seed and Python version. None when it
    cannot be made (not CPython, a Python without ``--invalidation-mode``)."""
    import shutil
    import subprocess
    import uuid

    from envwrap.core import staging
    from envwrap.core.files import copy_tree
    from envwrap.seeding.sources import cache_root

    if python.impl != "cpython":
        return None  # its bytecode tag is not known without asking it
    target = cache_root() / "seed-compiled" / f"{plain.name}-{python.impl}-{python.short}"
    if target.is_dir():
        return target
    scratch = target.parent / f".build-{uuid.uuid4().hex[:8]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_tree(plain, scratch, bytecode=False, keep_times=True)
        proc = subprocess.run([os.fspath(interpreter), "-I", "-m", "compileall", "-q",
                               "--invalidation-mode", "timestamp", str(scratch)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                              env=_clean_env(), pass_fds=staging.child_fds())
        if proc.returncode != 0 and not any(scratch.rglob("*.pyc")):
            return None
        try:
            os.rename(scratch, target)
        except OSError:
            if not target.is_dir():
                return None
    except OSError:
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


# Run by the env's own interpreter: the zip of a seed, each module with an
# unchecked-hash .pyc beside it (where zipimport looks), in a fixed order with
# fixed dates. argv: seed dir, output file, the zip's final path (for the
# file names in tracebacks).
_BUILD_ZIP = r"""
import os, sys, zipfile
from importlib.util import source_hash
from importlib._bootstrap_external import _code_to_hash_pyc
src, out, final = sys.argv[1:4]
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
    def add(name, data):
        info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        zf.writestr(info, data)
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".pyc"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), src).replace(os.sep, "/")
            with open(os.path.join(dirpath, name), "rb") as fh:
                data = fh.read()
            add(rel, data)
            if name.endswith(".py"):
                try:
                    code = compile(data, final + "/" + rel, "exec", dont_inherit=True)
                except SyntaxError:
                    continue
                add(rel[:-3] + ".pyc", bytes(_code_to_hash_pyc(code, source_hash(data), False)))
"""


def seeds_path(home) -> str:
    from envwrap.core.home import state_dir

    return os.path.join(state_dir(os.fspath(home)), "seeds")


def seeds_dir(home) -> Path:
    from pathlib import Path

    return Path(seeds_path(home))


def zip_name(plain: Path, python) -> str | None:
    """The shared zip's name: pip's version, the Python's, and a digest of
    pip's RECORD (the hash of every file) and that Python."""
    import hashlib

    version = _pip_version(plain)
    if version is None:
        return None
    try:
        record = (plain / f"pip-{version}.dist-info" / "RECORD").read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(record + f"\0{python.impl}-{python.short}\0zip-v1".encode()).hexdigest()[:16]
    return f"pip-{version}-{python.impl}{python.short}-{digest}.zip"


def shared_zip(plain: Path, python, interpreter, home) -> Path | None:
    """The read-only zip of ``plain`` for ``python`` in WORKON_HOME ``home``,
    built once (by ``interpreter``); None when it cannot be (then the env gets a
    copy)."""
    import subprocess
    import uuid

    from envwrap.core import staging

    name = zip_name(plain, python)
    if name is None or python.impl != "cpython":
        return None
    directory = seeds_dir(home)
    final = directory / name
    if "\n" in str(final) or "\r" in str(final):
        return None  # a .pth line cannot hold it
    if final.is_file():
        try:
            os.utime(final)  # reused now: doctor leaves it alone for a while
        except OSError:
            pass
        return final
    scratch = directory / f".build-{uuid.uuid4().hex[:8]}.zip"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([os.fspath(interpreter), "-I", "-c", _BUILD_ZIP, str(plain), str(scratch), str(final)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              env=_clean_env(), pass_fds=staging.child_fds())
        if proc.returncode != 0:
            return None
        os.chmod(scratch, 0o444)
        try:
            os.link(scratch, final)  # never replaces: another builder's is the same bytes
        except FileExistsError:
            pass
        except OSError:
            os.rename(scratch, final)
    except OSError:
        return None
    finally:
        try:
            os.unlink(scratch)
        except OSError:
            pass
    return final if final.is_file() else None


def link_zip(site: str, shared, final_site: str | None = None) -> None:
    """Name the zip in ``site``'s .pth: relative to ``final_site`` (where that
    site-packages will be once published), then absolute."""
    from envwrap.core import atomicfile

    shared = os.path.abspath(os.fspath(shared))
    lines = [shared]
    if final_site is not None:
        try:
            lines.insert(0, os.path.relpath(shared, final_site))
        except ValueError:  # another drive (Windows)
            pass
    atomicfile.replace(os.path.join(site, PTH), "".join(f"{line}\n" for line in lines), inside=site)


def zip_of(env) -> str | None:
    """The shared zip an env's pip comes from (the first line of its .pth that
    names an existing file, as ``site`` reads it), or None (it has its own)."""
    from envwrap.core.layout import Layout

    site = Layout.of(env).site_packages()
    if site is None:
        return None
    try:
        with open(os.path.join(site, PTH), encoding="utf-8") as fh:
            lines = [line.rstrip("\r\n") for line in fh]
    except (OSError, UnicodeError):
        return None
    lines = [os.path.normpath(os.path.join(site, line)) for line in lines if line]
    return next((line for line in lines if os.path.isfile(line)), lines[0] if lines else None)


def zips_in_use(home, names: list[str]) -> set[str]:
    """The zips named by any env of ``home`` (``names``: its envs, as the registry
    lists them), or by an env still in a stage."""
    from envwrap.core.home import state_dir

    places = [os.path.join(home, name) for name in names]
    staging_dir = os.path.join(state_dir(os.fspath(home)), "staging")
    for holder in _listdir(staging_dir):
        places += [os.path.join(staging_dir, holder, n) for n in _listdir(os.path.join(staging_dir, holder))]
    return {os.path.realpath(z) for z in map(zip_of, places) if z}


def _listdir(path) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def unused_zips(home, names: list[str], now: float | None = None) -> list[Path]:
    """Shared zips of ``home`` that none of its envs (``names``) names, and not
    reused lately."""
    import time

    now = time.time() if now is None else now
    used = zips_in_use(home, names)
    found = []
    for name in sorted(_listdir(seeds_dir(home))):
        path = seeds_dir(home) / name
        if name.startswith(".") or not name.endswith(".zip") or os.path.realpath(path) in used:
            continue
        try:
            if now - path.stat().st_mtime < UNUSED_GRACE:
                continue
        except OSError:
            continue
        found.append(path)
    return found


def adopt(staged, home) -> None:
    """A copied env whose pip is a zip of another WORKON_HOME gets that zip in
    its own (same name: same content), so that no other home's cleaning can take
    it away."""
    import stat
    import uuid

    from envwrap.core.files import copy_file

    shared = zip_of(staged)
    if shared is None:
        return
    # The copied env's .pth names the file: only a shared zip of pip (a regular
    # file, never through a link) is copied into this home, not any file a
    # planted .pth names.
    name, parent = os.path.basename(shared), os.path.basename(os.path.dirname(shared))
    try:
        regular = stat.S_ISREG(os.lstat(shared).st_mode)
    except OSError:
        regular = False
    if not (regular and parent == "seeds" and name.startswith("pip-") and name.endswith(".zip")):
        return
    mine = seeds_dir(home) / os.path.basename(shared)
    if os.path.realpath(shared) == os.path.realpath(mine):
        return
    if not mine.is_file():
        mine.parent.mkdir(parents=True, exist_ok=True)
        tmp = mine.with_name(f".build-{uuid.uuid4().hex[:8]}.zip")
        try:
            copy_file(shared, str(tmp))
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, mine)
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    from envwrap.core.layout import Layout

    site = Layout.of(staged).site_packages()
    if site is not None:
        final_site = os.path.join(home, os.path.basename(staged), os.path.relpath(site, staged))
        link_zip(site, mine, final_site)
