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
* the pip installed beside envwrap itself (a dependency of envwrap, so a
  current one wherever envwrap was installed or upgraded lately);
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

from envwrap.core.errors import UserError
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
    "own": "the pip installed beside envwrap",
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


def _own_site_dirs() -> list[Path]:
    """The site-packages directories of the Python envwrap runs on (its venv,
    pipx's, or the system's): where the pip installed beside envwrap is, which
    envwrap's own dependencies keep current (pyproject: ``pip>=...``)."""
    return [Path(p) for p in sys.path if p and os.path.basename(p) in ("site-packages", "dist-packages")]


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
    for site in _own_site_dirs():
        for name in _listdir(site):
            match = _DIST_INFO.match(name)
            if match and _numbers(match["v"]) and (site / "pip" / "__init__.py").is_file():
                found.append(Source(match["v"], "own", site))
    for directory in _bundled_dirs(python):
        for name in _listdir(directory):
            match = _WHEEL.match(name)
            if match:
                found.append(Source(match["v"], "bundled", directory / name))
    return found


def looked_at(python: Python) -> list[Path]:
    """Every directory :func:`sources` lists (or would, were it there): a pip
    added to or removed from any of them changes its modification time. uv's
    cache dir itself is not one (uv changes it at every run); which buckets it
    holds is part of the record's key instead (choice._record_path)."""
    root = cache_root()
    dirs = [root / "seed", root / "seed" / f"v2-{python.impl}-{python.short}", root / "wheels"]
    uv = uv_cache_dir()
    if uv is not None:  # not uv's cache dir itself: every uv run changes it (its lock file)
        for bucket in _listdir(uv):
            if bucket.startswith("wheels-v"):
                index = uv / bucket / "index"
                dirs += [uv / bucket, uv / bucket / "pypi", uv / bucket / "pypi" / "pip", index]
                for sub in _listdir(index):
                    dirs += [index / sub, index / sub / "pip"]
    return dirs + _own_site_dirs() + _bundled_dirs(python)


def ranked(python: Python) -> Iterator[Source]:
    """The candidates ``python`` admits, best first: the newest pip, and of two
    equal ones the one already prepared. Lazy: each is checked when reached."""
    order = sorted(sources(python), key=lambda s: (_numbers(s.version), s.ready), reverse=True)
    return (s for s in order if admits(s, python))


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
