"""Giving a new environment pip without running ensurepip every time.

The first environment made with a given Python X.Y runs ``ensurepip`` once (no
network: the wheel ships with Python); envwrap keeps a pristine copy of that pip
in its cache (platformdirs user cache dir, ``seed/v2-<impl>-X.Y/``). Every later
environment gets a *copy* of it (``copy_file_range``, which the kernel turns into
a reflink on btrfs/XFS), plus launchers written for that environment.

The copy leaves out bytecode: that halves the files to copy (about 500 instead of
1,000 for pip 23), which is most of the cost of creating an environment. Python
writes each module's ``.pyc`` the first time pip imports it, as after
``uv venv --seed``.

Why copies and not hard links: a hard link shares the file's bytes, so anything
that rewrote a file of one environment in place (an editor, ``sed -i`` without a
rename, a tool that opens with ``r+``) would change every environment and the
cache. With copies no environment's files can change because another one was
modified, whatever the tool.

Which pip: the newest one found on this machine without a network, among

* seeds already prepared in the cache (``seed/v2-pip-<version>/``, unpacked
  from a wheel, shared by every Python; ``seed/v2-<impl>-X.Y/``, made by
  ensurepip for one Python);
* pip wheels in envwrap's own wheel dir (``wheels/`` in the cache), which
  ``envwrap seed --update`` fills from the index when a network is there;
* pips unpacked in uv's cache (``wheels-v*/pypi/pip/<version>-py3-none-any``);
* the wheel bundled with the environment's Python (``ensurepip/_bundled``,
  or ``share/python-wheels`` where a distribution keeps it apart);

skipping any whose ``Requires-Python`` excludes the environment's Python. pip's
own cache is not searched: it keeps downloads under hashed names, so finding
pip there would mean opening every file. When nothing is found, ensurepip
prepares the seed, as before.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from envwrap.core import staging
from envwrap.core.errors import UserError, say
from envwrap.core.layout import Layout, read_cfg


def cache_root() -> Path:
    from envwrap.core import home

    return Path(home.cache_dir())


def env_version(layout: Layout) -> tuple[str, str]:
    """(implementation, 'X.Y') of an environment, from its pyvenv.cfg."""
    cfg = read_cfg(layout.cfg)
    version = cfg.get("version_info") or cfg.get("version") or ""
    parts = version.split(".")
    if len(parts) < 2:
        # venv on some versions writes neither; ask the directory name instead.
        sp = layout.site_packages()
        lib = os.path.basename(os.path.dirname(sp)) if sp else ""
        if lib.startswith("python"):
            return "cpython", lib[len("python"):]
        raise UserError(f"cannot tell the Python version of {layout.root} from its pyvenv.cfg")
    impl = cfg.get("implementation", "cpython").lower()
    return impl, f"{parts[0]}.{parts[1]}"


def copy_file(src: str, dst: str, keep_times: bool = False) -> None:
    """Copy one regular file with its permission bits, in as few syscalls as the
    platform allows (``copy_file_range`` keeps the bytes in the kernel, and makes
    a reflink where the file system can). With ``keep_times``, the copy gets the
    source's modification time too (what keeps a copied ``.pyc`` valid)."""
    fin = os.open(src, os.O_RDONLY)
    try:
        st = os.fstat(fin)
        fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, st.st_mode & 0o777)
        try:
            size = st.st_size
            copy_range = getattr(os, "copy_file_range", None)
            if copy_range is not None:
                try:
                    while size > 0:
                        done = copy_range(fin, fout, size)
                        if done == 0:
                            break
                        size -= done
                    return
                except OSError:
                    os.lseek(fin, 0, os.SEEK_SET)
                    os.ftruncate(fout, 0)
                    os.lseek(fout, 0, os.SEEK_SET)
            while True:
                chunk = os.read(fin, 1 << 20)
                if not chunk:
                    break
                os.write(fout, chunk)
        finally:
            if keep_times:  # after the bytes: writing would change it again
                _set_times(fout, dst, st)
            os.close(fout)
    finally:
        os.close(fin)


def _set_times(fd: int, path: str, st: os.stat_result) -> None:
    """Give the file open as ``fd`` (at ``path``) the times of ``st``."""
    times = (st.st_atime_ns, st.st_mtime_ns)
    if os.utime in os.supports_fd:
        os.utime(fd, ns=times)
    else:  # pragma: no cover - Windows
        os.utime(path, ns=times)


def copy_tree(src: Path, dst: Path, bytecode: bool = True, keep_times: bool = False) -> None:
    """Copy a directory tree: directories, regular files with their modes, and
    symbolic links as links (never followed). Bytecode caches are left out when
    ``bytecode`` is false; ``keep_times`` keeps each file's modification time.
    Much lighter than shutil.copytree, which matters for the ~500 files of pip
    that every new environment gets."""
    src_s, dst_s = os.fspath(src), os.fspath(dst)
    os.makedirs(dst_s, exist_ok=True)
    for dirpath, dirnames, filenames in os.walk(src_s):
        rel = dirpath[len(src_s):]
        target = dst_s + rel
        if rel:
            os.makedirs(target, exist_ok=True)
        if not bytecode and "__pycache__" in dirnames:
            dirnames.remove("__pycache__")
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):  # os.walk does not descend into these
                os.symlink(os.readlink(path), os.path.join(target, name))
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), os.path.join(target, name))
            else:
                copy_file(path, os.path.join(target, name), keep_times)


def _pip_entries(site: Path) -> list[Path]:
    return [p for p in site.iterdir()
            if p.name == "pip" or (p.name.startswith("pip-") and p.name.endswith(".dist-info"))]


# The longest "#!" line, newline included, that every kernel reads whole (Linux
# before 5.1 reads 128 bytes and cuts the rest, the interpreter's path with it);
# pip's launchers use the same limit.
SHEBANG_LIMIT = 127


def shebang(python, args: str = "") -> str:
    """The first line(s) of a script run by ``python`` (and ``args``): a plain
    ``#!`` line when the kernel can read it (no whitespace, at most
    SHEBANG_LIMIT bytes with its newline), else a ``/bin/sh`` trampoline that
    execs the interpreter, its path single-quoted for sh. The trampoline's
    second line is also a Python string, so the rest of the script is
    unchanged."""
    import shlex

    py = os.fspath(python)
    tail = f" {args}" if args else ""
    line = f"#!{py}{tail}\n"
    if not any(c.isspace() for c in py) and len(os.fsencode(line)) <= SHEBANG_LIMIT:
        return line
    return f"#!/bin/sh\n'''exec' {shlex.quote(py)}{tail} \"$0\" \"$@\"\n' '''\n"


def _launcher(python: Path, module_call: str) -> str:
    return shebang(python) + (
        "# -*- coding: utf-8 -*-\n"
        "import sys\n"
        f"from {module_call.rpartition('.')[0]} import {module_call.rpartition('.')[2]}\n"
        "if __name__ == '__main__':\n"
        "    if sys.argv[0].endswith('.exe'):\n"
        "        sys.argv[0] = sys.argv[0][:-4]\n"
        f"    sys.exit({module_call.rpartition('.')[2]}())\n"
    )


def _windows_stub(site: str) -> bytes:
    """The console launcher that pip puts in front of the scripts it installs
    on Windows (distlib's ``t32.exe`` / ``t64.exe`` / ``t64-arm.exe``, shipped
    inside pip itself), for this machine's architecture."""
    import struct
    import sysconfig

    bits = "64" if struct.calcsize("P") == 8 else "32"
    arm = "-arm" if sysconfig.get_platform() == "win-arm64" else ""
    stub = Path(site, "pip", "_vendor", "distlib", f"t{bits}{arm}.exe")
    try:
        return stub.read_bytes()
    except OSError:
        raise UserError(f"cannot write the pip launchers: this pip has no {stub.name} "
                        "(pass --without-pip, or use --creator uv)") from None


def _windows_launcher(stub: bytes, python: Path, module_call: str) -> bytes:
    """A ``Scripts\\NAME.exe`` as pip writes one: the launcher, a ``#!`` line
    naming the interpreter (in double quotes when it holds a space), then a zip
    archive whose ``__main__.py`` is the script. The launcher starts the
    interpreter on its own file; Python runs the archive at the end of it."""
    import io
    import zipfile

    py = str(python)
    shebang = b"#!" + (f'"{py}"' if " " in py else py).encode("utf-8") + b"\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        # a fixed date: the same launcher for the same interpreter, byte for byte
        # the script of a POSIX launcher, without its #! line
        body = _launcher(Path("python"), module_call).split("\n", 1)[1]
        zf.writestr(zipfile.ZipInfo("__main__.py", date_time=(1980, 1, 1, 0, 0, 0)), body)
    return stub + shebang + archive.getvalue()


def write_pip_launchers(staged: Layout, final: Layout, version: str) -> None:
    """``pip``, ``pip3`` and ``pipX.Y`` in the env's scripts directory, naming
    the interpreter where the env will live (``final``): scripts on POSIX,
    ``.exe`` launchers on Windows (made here, as pip makes them: envwrap's
    environments never run ensurepip)."""
    names = ("pip", "pip3", f"pip{version}")
    module_call = "pip._internal.cli.main.main"
    if staged.windows:
        site = staged.site_packages()
        if site is None:
            raise UserError(f"no site-packages in {staged.root}")
        data = _windows_launcher(_windows_stub(site), Path(final.python), module_call)
        from envwrap.core import atomicfile

        for name in names:
            atomicfile.replace(os.path.join(staged.bin_dir, name + ".exe"), data, inside=staged.root)
        return
    text = _launcher(final.python, module_call)
    from envwrap.core import atomicfile

    for name in names:
        atomicfile.replace(os.path.join(staged.bin_dir, name), text, inside=staged.root, mode=0o755)


def _build_cache(python: Path, target: Path, env: dict) -> None:
    """Run ensurepip once, in a throwaway venv made by ``python``; keep its pip.

    Building it apart from the new environment means every environment, the
    first one included, gets exactly the same thing: pip, without setuptools.
    """
    import shutil
    import subprocess
    import uuid

    scratch = target.parent / f".build-{uuid.uuid4().hex[:8]}"
    try:
        proc = subprocess.run(
            [str(python), "-m", "venv", str(scratch / "venv")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True,
            pass_fds=staging.child_fds(),  # the stage stays locked while ensurepip runs
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["ensurepip failed"])[-1]
            raise UserError(
                f"cannot install pip into the new environment ({last}); "
                "install your distribution's python3-venv package, or pass --without-pip"
            )
        site = Layout.of(scratch / "venv").site_packages()
        if site is None:
            raise UserError(f"ensurepip left no site-packages in {scratch}")
        (scratch / "site").mkdir()
        for entry in _pip_entries(Path(site)):
            copy_tree(entry, scratch / "site" / entry.name, bytecode=False)
        try:
            os.rename(scratch / "site", target)
        except OSError:
            pass  # another process filled the cache first; theirs is as good
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ----------------------------------------------------------------- which pip

_WHEEL = re.compile(r"pip-(?P<v>\d+(?:\.\d+)*)-(?:py3|py2\.py3)-none-any\.whl\Z")
_UNPACKED = re.compile(r"(?P<v>\d+(?:\.\d+)*)-(?:py3|py2\.py3)-none-any\Z")  # uv's cache entries
_PREPARED = re.compile(r"v2-pip-(?P<v>\d+(?:\.\d+)*)\Z")
_DIST_INFO = re.compile(r"pip-(?P<v>[^-]+)\.dist-info\Z")

WHERE = {
    "prepared": "envwrap's cache",
    "ensurepip": "envwrap's cache, made by ensurepip",
    "wheels": "envwrap's wheel dir",
    "uv": "uv's cache",
    "bundled": "the wheel bundled with that Python",
}


def _numbers(text: str) -> tuple[int, ...]:
    match = re.match(r"\d+(?:\.\d+)*", text)
    return tuple(int(p) for p in match.group(0).split(".")) if match else ()


class Python:
    """What choosing a pip needs to know about an interpreter."""

    def __init__(self, impl: str, version: str, prefix: str | None, label: str = ""):
        self.impl = impl  # 'cpython', 'pypy'
        self.version = version  # '3.11.7', or '3.11' when that is all that is known
        self.prefix = prefix  # its sys.base_prefix, or None when unknown
        self.label = label  # how to show it: the interpreter's path

    @property
    def short(self) -> str:
        return ".".join(self.version.split(".")[:2])


class Source:
    """One pip that new environments can get."""

    def __init__(self, version: str, kind: str, path: Path):
        self.version = version
        self.kind = kind  # a key of WHERE
        self.path = path

    @property
    def where(self) -> str:
        return WHERE[self.kind]

    @property
    def ready(self) -> bool:
        """Already a seed directory (else a wheel or a tree to prepare one from)."""
        return self.kind in ("prepared", "ensurepip")


def own_python() -> Python:
    import platform

    info = sys.version_info
    return Python(platform.python_implementation().lower(), f"{info[0]}.{info[1]}.{info[2]}",
                  sys.base_prefix, getattr(sys, "_base_executable", None) or sys.executable)


def env_python(layout: Layout) -> Python:
    """The Python of an environment, from its pyvenv.cfg."""
    impl, short = env_version(layout)
    cfg = read_cfg(layout.cfg)
    full = ".".join(str(n) for n in _numbers(cfg.get("version_info") or cfg.get("version") or ""))
    if not full.startswith(short + ".") and full != short:
        full = short
    home = cfg.get("home")
    prefix = (home if layout.windows else os.path.dirname(home.rstrip("/"))) if home else None
    return Python(impl, full, prefix, layout.root)


def python_admits(spec: str | None, version: str) -> bool:
    """Whether a ``Requires-Python`` specifier admits ``version`` ('3.11.7').

    A small PEP 440 subset, which is all pip's own specifiers have ever used:
    comma-separated ``>=``, ``>``, ``<=``, ``<``, ``==``, ``!=``, ``~=`` of
    release numbers, ``==``/``!=`` with ``.*``. Anything else admits nothing.
    """
    if not spec:
        return True
    have = _numbers(version)
    for clause in spec.split(","):
        clause = clause.strip()
        if not clause:
            continue
        match = re.fullmatch(r"(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?", clause)
        if match is None:
            return False
        op, text, star = match.groups()
        want = _numbers(text)
        if star:
            if op not in ("==", "!="):
                return False
            if (have[:len(want)] == want) != (op == "=="):
                return False
            continue
        width = max(len(want), len(have))
        a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        if op == "~=":
            ok = len(want) > 1 and a >= b and a[:len(want) - 1] == want[:-1]
        else:
            ok = {"==": a == b, "===": a == b, "!=": a != b, "<=": a <= b, ">=": a >= b,
                  "<": a < b, ">": a > b}[op]
        if not ok:
            return False
    return True


def _requires_python(metadata: str) -> str | None:
    for line in metadata.splitlines():
        if not line.strip():
            break  # the headers end at the first blank line
        key, _, value = line.partition(":")
        if key.strip().lower() == "requires-python":
            return value.strip()
    return None


def _metadata(source: Source) -> str:
    name = f"pip-{source.version}.dist-info/METADATA"
    if source.path.is_dir():
        if source.kind == "ensurepip":
            return ""  # made by that very Python's ensurepip
        return (source.path / name).read_text(encoding="utf-8", errors="replace")
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(source.path) as zf:
            return zf.read(name).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(str(exc)) from None


def admits(source: Source, python: Python) -> bool:
    try:
        return python_admits(_requires_python(_metadata(source)), python.version)
    except (OSError, KeyError, ValueError, EOFError):  # a broken file is no candidate
        return False


def _listdir(path) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def uv_cache_dir() -> Path | None:
    """Where uv keeps its cache, as uv itself decides it (``UV_CACHE_DIR`` first)."""
    override = os.environ.get("UV_CACHE_DIR")
    if override:
        return Path(override)
    if os.name == "nt":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local, "uv", "cache") if local else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg, "uv") if xdg else Path.home() / ".cache" / "uv"


def _bundled_dirs(python: Python) -> list[Path]:
    if not python.prefix:
        return []
    prefix = Path(python.prefix)
    lib = "pypy" if python.impl == "pypy" else "python"
    return [prefix / "lib" / f"{lib}{python.short}" / "ensurepip" / "_bundled",
            prefix / "Lib" / "ensurepip" / "_bundled",
            prefix / "share" / "python-wheels"]  # Debian's and Fedora's ensurepip use this


def sources(python: Python) -> list[Source]:
    """Every pip found on this machine for ``python``, unsorted, unchecked."""
    root = cache_root()
    found: list[Source] = []
    seeds = root / "seed"
    for name in _listdir(seeds):
        match = _PREPARED.match(name)
        if match:
            found.append(Source(match["v"], "prepared", seeds / name))
    ensured = seeds / f"v2-{python.impl}-{python.short}"
    for name in _listdir(ensured):
        match = _DIST_INFO.match(name)
        if match and _numbers(match["v"]):
            found.append(Source(match["v"], "ensurepip", ensured))
    for name in _listdir(root / "wheels"):
        match = _WHEEL.match(name)
        if match:
            found.append(Source(match["v"], "wheels", root / "wheels" / name))
    uv = uv_cache_dir()
    if uv is not None:
        for bucket in _listdir(uv):
            if not bucket.startswith("wheels-v"):
                continue
            dirs = [uv / bucket / "pypi" / "pip"]
            dirs += [uv / bucket / "index" / sub / "pip" for sub in _listdir(uv / bucket / "index")]
            for pipdir in dirs:
                for name in _listdir(pipdir):
                    match = _UNPACKED.match(name)
                    if match and (pipdir / name).is_dir():
                        found.append(Source(match["v"], "uv", pipdir / name))
    for directory in _bundled_dirs(python):
        for name in _listdir(directory):
            match = _WHEEL.match(name)
            if match:
                found.append(Source(match["v"], "bundled", directory / name))
    return found


def ranked(python: Python) -> Iterator[Source]:
    """The candidates ``python`` admits, best first: the newest pip, and of two
    equal ones the one already prepared. Lazy: each is checked when reached."""
    order = sorted(sources(python), key=lambda s: (_numbers(s.version), s.ready), reverse=True)
    return (s for s in order if admits(s, python))


# ----------------------------------------------------------------- preparing a seed


class Unusable(Exception):
    """A candidate pip that turned out not to be one (a broken or mislabelled file)."""


def _unpack_wheel(wheel: Path, dest: Path, version: str) -> None:
    import shutil
    import zipfile

    allowed = ("pip/", f"pip-{version}.dist-info/")
    try:
        with zipfile.ZipFile(wheel) as zf:
            for info in zf.infolist():
                name = info.filename
                parts = name.split("/")
                if not name.startswith(allowed) or ".." in parts or "\\" in name or ":" in name:
                    raise Unusable(f"it holds {name!r}, which is no part of pip")
                if name.endswith("/") or "__pycache__" in parts or name.endswith(".pyc"):
                    continue
                path = dest.joinpath(*parts)
                path.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(path, "wb") as out:
                    shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise Unusable(f"it is not a readable wheel ({exc})") from None


def _finish_seed(dest: Path, version: str) -> None:
    """Check that ``dest`` holds pip ``version``, and mark it installed by envwrap."""
    import base64
    import hashlib

    init = dest / "pip" / "__init__.py"
    info = dest / f"pip-{version}.dist-info"
    try:
        code = init.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        raise Unusable("it has no pip package") from None
    match = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", code)
    if match is None or match.group(1) != version:
        raise Unusable(f"it holds pip {match.group(1) if match else '(unknown)'}, not {version}")
    if not (info / "RECORD").is_file():
        raise Unusable("its dist-info has no RECORD")
    for extra in ("REQUESTED", "direct_url.json", "INSTALLER"):
        (info / extra).unlink(missing_ok=True)
    data = b"envwrap\n"
    (info / "INSTALLER").write_bytes(data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record = [line for line in (info / "RECORD").read_text(encoding="utf-8").splitlines()
              if line and not line.startswith((f"{info.name}/INSTALLER,", f"{info.name}/REQUESTED,",
                                               f"{info.name}/direct_url.json,"))]
    record.append(f"{info.name}/INSTALLER,sha256={digest},{len(data)}")
    (info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")


def prepare(source: Source, python: Python) -> Path:
    """The seed directory for ``source``, made now (once) when it is a wheel or
    someone else's tree: the copy every new environment then copies from."""
    import shutil
    import uuid

    if source.ready:
        return source.path
    target = cache_root() / "seed" / f"v2-pip-{source.version}"
    if target.is_dir():
        return target  # another process prepared it meanwhile
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.parent / f".build-{uuid.uuid4().hex[:8]}"
    try:
        scratch.mkdir()
        if source.path.is_dir():
            for entry in ("pip", f"pip-{source.version}.dist-info"):
                if not (source.path / entry).is_dir():
                    raise Unusable(f"it has no {entry}")
                copy_tree(source.path / entry, scratch / entry, bytecode=False)
        else:
            _unpack_wheel(source.path, scratch, source.version)
        _finish_seed(scratch, source.version)
        try:
            os.rename(scratch, target)
        except OSError:
            if not target.is_dir():
                raise
            return target  # another process was quicker, and said so
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # Said after the work (a fraction of a second), so that a wheel found broken
    # gets one line, the refusal, and not two that contradict each other.
    say(f"envwrap: prepared pip {source.version} for new environments of Python {python.short}, once "
        f"(from {source.where}: {source.path})")
    return target


def seed_dir(python: Python, interpreter) -> Path:
    """The seed for new environments of ``python``: the best pip found, prepared
    if need be; else ensurepip's, made once with ``interpreter``."""
    for source in ranked(python):
        try:
            return prepare(source, python)
        except (Unusable, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            say(f"envwrap: not using pip {source.version} from {source.path}: {reason}")
    target = cache_root() / "seed" / f"v2-{python.impl}-{python.short}"
    if not target.is_dir():
        say(f"envwrap: preparing pip for Python {python.short} with ensurepip, once (a few seconds)")
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.pop("VIRTUAL_ENV", None)
        target.parent.mkdir(parents=True, exist_ok=True)
        _build_cache(Path(interpreter), target, env)
    return target


def _record_launchers(site: str, staged: Layout, names: list[str]) -> None:
    """List the pip launchers in pip's RECORD (so ``pip uninstall pip`` removes
    them), unless the seed's RECORD lists them already (ensurepip's does)."""
    infos = [n for n in os.listdir(site) if _DIST_INFO.match(n)]
    if not infos:
        return
    record = os.path.join(site, infos[0], "RECORD")
    rel = os.path.relpath(staged.bin_dir, site).replace(os.sep, "/")
    try:
        with open(record, encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return
    if f"{rel}/pip," in text:
        return
    lines = "".join(f"{rel}/{name},,\n" for name in names)
    from envwrap.core import atomicfile

    atomicfile.replace(record, text + ("" if text.endswith("\n") or not text else "\n") + lines, inside=site)


def seed_pip(staged: Layout, final: Layout, home=None) -> None:
    """Install pip into a staged environment that will live at ``final`` (in
    WORKON_HOME ``home``), as the ``seed_mode`` setting says (see seedmode)."""
    from envwrap.seeding import modes as seedmode

    python = env_python(staged)
    target = seed_dir(python, staged.python)
    site = staged.site_packages()
    if site is None:
        raise UserError(f"no site-packages in {staged.root}")
    mode = seedmode.mode()
    if mode == "zip" and home is not None and not staged.windows:
        shared = seedmode.shared_zip(target, python, staged.python, home)
        if shared is not None:
            seedmode.link_zip(site, shared)
            write_pip_launchers(staged, final, python.short)
            return
    compiled = seedmode.compiled_seed(target, python, staged.python)
    if compiled is not None:
        copy_tree(compiled, site, bytecode=True, keep_times=True)
    else:
        copy_tree(target, site, bytecode=False)
    write_pip_launchers(staged, final, python.short)
    if not staged.windows:
        _record_launchers(site, staged, ["pip", "pip3", f"pip{python.short}"])


# ----------------------------------------------------------------- envwrap seed


def describe(python: Python, default: bool = False) -> str:
    """One line: which pip new environments of ``python`` get, and from where."""
    head = f"Python {python.version}" + (f" ({python.label})" if python.label else "")
    if default:
        head += " [the default]"
    if python.version.startswith("2."):
        return f"{head}: environments need --creator virtualenv, which installs its own pip"
    best = next(iter(ranked(python)), None)
    if best is None:
        return f"{head}: the pip bundled with it, installed by ensurepip at the first new environment"
    later = "" if best.ready else ", prepared at the next new environment"
    return f"{head}: pip {best.version}, from {best.where} ({best.path}){later}"


def probe(interpreter: str) -> Python:
    """Ask an interpreter what it is (works on any Python, 2.7 included)."""
    import subprocess

    code = ("import sys, platform; v = sys.version_info; "
            "sys.stdout.write('%s\\n%d.%d.%d\\n%s\\n' % (platform.python_implementation().lower(), "
            "v[0], v[1], v[2], getattr(sys, 'base_prefix', sys.prefix)))")
    try:
        proc = subprocess.run([interpreter, "-c", code], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UserError(f"cannot run {interpreter}: {getattr(exc, 'strerror', None) or exc}") from None
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) < 3:
        raise UserError(f"{interpreter} does not answer as a Python interpreter")
    return Python(lines[0], lines[1], lines[2], interpreter)


def prepared_versions() -> list[Python]:
    """The Pythons that have an ensurepip seed (known by version only)."""
    found = []
    for name in sorted(_listdir(cache_root() / "seed")):
        match = re.fullmatch(r"v2-([a-z]+)-(\d+\.\d+)", name)
        if match and match.group(1) != "pip":
            found.append(Python(match.group(1), match.group(2), None, ""))
    return found


BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
             "from pip._internal.cli.main import main; sys.exit(main())")


def update(pythons: list[Python]) -> tuple[list[Path], list[str]]:
    """Download the newest pip wheel each of ``pythons`` can run into envwrap's
    wheel dir (pip from the best local seed does the download, with the user's
    pip configuration: index, proxy, certificates). Returns the wheels saved,
    and one line for each Python whose download failed."""
    import shutil
    import subprocess
    import uuid

    wheels = cache_root() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    runner = seed_dir(own_python(), getattr(sys, "_base_executable", None) or sys.executable)
    got: list[Path] = []
    failed: list[str] = []
    for short in sorted({p.short for p in pythons}, key=_numbers):
        scratch = wheels / f".download-{uuid.uuid4().hex[:8]}"
        try:
            cmd = [sys.executable, "-I", "-c", BOOTSTRAP, str(runner), "download", "--quiet",
                   "--disable-pip-version-check", "--no-deps", "--only-binary=:all:",
                   "--python-version", short, "--dest", str(scratch), "pip"]
            proc = subprocess.run(cmd, stdout=sys.stderr.fileno(), stderr=subprocess.PIPE, text=True,
                                  stdin=subprocess.DEVNULL)
            if proc.returncode != 0:
                lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
                detail = lines[-1] if lines else f"exit status {proc.returncode}"
                failed.append(f"cannot download pip for Python {short} ({detail}); "
                              "its new environments keep the pip shown")
                continue
            for name in _listdir(scratch):
                if _WHEEL.match(name):
                    os.replace(scratch / name, wheels / name)
                    got.append(wheels / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return got, failed
