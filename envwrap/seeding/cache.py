"""Preparing the seed in envwrap's cache once (from the best pip found, or by
ensurepip), installing it into a staged environment, and ``envwrap seed --update``
(see :mod:`envwrap.seeding.sources` for why copies and which pip)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from envwrap.core import staging
from envwrap.core.errors import UserError, say
from envwrap.core.files import copy_tree
from envwrap.core.layout import Layout
from envwrap.seeding.launchers import _record_launchers, write_pip_launchers
from envwrap.seeding.sources import (
    _WHEEL,
    Python,
    Source,
    _listdir,
    _numbers,
    cache_root,
    env_python,
    looked_at,
    own_python,
    ranked,
)


def _pip_entries(site: Path) -> list[Path]:
    return [p for p in site.iterdir()
            if p.name == "pip" or (p.name.startswith("pip-") and p.name.endswith(".dist-info"))]


# The longest "#!" line, newline included, that every kernel reads whole (Linux
# before 5.1 reads 128 bytes and cuts the rest, the interpreter's path with it);
# pip's launchers use the same limit.


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


def seed_pip(staged: Layout, final: Layout, home=None) -> None:
    """Install pip into a staged environment that will live at ``final`` (in
    WORKON_HOME ``home``), as the ``seed_mode`` setting says (see seedmode)."""
    from envwrap.seeding import choice
    from envwrap.seeding import modes as seedmode

    python = env_python(staged)
    setting = seedmode.mode()
    facts = choice.env_facts(staged)
    stamped = choice.stamps(looked_at(python)) if facts is not None else []
    target = seed_dir(python, staged.python)
    if facts is not None and choice.stamps(looked_at(python)) != stamped:
        # changed while choosing (by preparing this very seed, most often): the
        # choice is kept only if choosing again, now, gives the same
        stamped = choice.stamps(looked_at(python))
        best = next(iter(ranked(python)), None)  # quietly: seed_dir has said what it refused
        if best is None or not best.ready or os.fspath(best.path) != os.fspath(target):
            facts = None
    site = staged.site_packages()
    if site is None:
        raise UserError(f"no site-packages in {staged.root}")
    mode = setting
    if mode == "auto":
        mode = "zip" if seedmode.zip_suits(target, python) else "copy"
    if mode == "zip" and home is not None and not staged.windows:
        shared = seedmode.shared_zip(target, python, staged.python, home)
        if shared is not None:
            final_site = os.path.join(final.root, os.path.relpath(site, staged.root))
            seedmode.link_zip(site, shared, final_site)
            write_pip_launchers(staged, final, python.short)
            if facts is not None:  # the next env of this Python: reuse.fast_seed
                choice.remember(*facts, setting, target, shared.name, stamped)
            return
    compiled = seedmode.compiled_seed(target, python, staged.python)
    if compiled is not None:
        copy_tree(compiled, site, bytecode=True, keep_times=True)
    else:
        copy_tree(target, site, bytecode=False)
    write_pip_launchers(staged, final, python.short)
    if not staged.windows:
        _record_launchers(site, staged, ["pip", "pip3", f"pip{python.short}"])


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
