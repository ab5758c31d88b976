"""Source trees of tiny distributions that pip and uv can build offline: each
carries its own PEP 517 / PEP 660 build backend (``backend-path``, no build
requirements), so nothing is fetched to build it, with or without build
isolation. ``git_repo`` makes one a local git repository for ``git+file://``
installs (git only, no network).

A tree made with ``slow=True`` builds only after its ``go`` file exists, and
says so by creating ``started`` first: a test holds a build open for as long as
it needs to watch what the installer shows meanwhile, without any sleep."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_BACKEND = r'''
import base64, hashlib, os, time, zipfile

NAME, VERSION = {name!r}, {version!r}
HERE = os.path.dirname(os.path.abspath(__file__))


def _wait():
    if os.path.exists(os.path.join(HERE, "slow")):
        open(os.path.join(HERE, "started"), "w").close()
        deadline = time.monotonic() + 300
        while not os.path.exists(os.path.join(HERE, "go")) and time.monotonic() < deadline:
            time.sleep(0.05)


def _wheel(directory, files):
    dist = "%s-%s.dist-info" % (NAME, VERSION)
    files = dict(files)
    files[dist + "/METADATA"] = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (NAME, VERSION)).encode()
    files[dist + "/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: envwrap-tests\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n")
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(dist + "/RECORD,,")
    files[dist + "/RECORD"] = ("\n".join(record) + "\n").encode()
    name = "%s-%s-py3-none-any.whl" % (NAME, VERSION)
    with zipfile.ZipFile(os.path.join(directory, name), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return name


def _module():
    with open(os.path.join(HERE, NAME + ".py"), "rb") as fh:
        return fh.read()


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _wait()
    return _wheel(wheel_directory, {{NAME + ".py": _module()}})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _wait()
    return _wheel(wheel_directory, {{"__editable__.%s.pth" % NAME: (HERE + "\n").encode()}})


def build_sdist(sdist_directory, config_settings=None):
    import tarfile

    base = "%s-%s" % (NAME, VERSION)
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tf:
        for entry in ("pyproject.toml", "envwrap_test_backend.py", NAME + ".py"):
            tf.add(os.path.join(HERE, entry), base + "/" + entry)
        info = os.path.join(sdist_directory, "PKG-INFO")
        with open(info, "w") as fh:
            fh.write("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (NAME, VERSION))
        tf.add(info, base + "/PKG-INFO")
        os.unlink(info)
    return name
'''


def make_project(directory: Path, name: str, version: str, value: str = "source", slow: bool = False) -> Path:
    """A source tree at ``directory`` of distribution ``name`` (module ``name``
    whose ``VALUE`` is ``value``), built by its own backend."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(
        f'[build-system]\nrequires = []\nbuild-backend = "envwrap_test_backend"\nbackend-path = ["."]\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n')
    (directory / "envwrap_test_backend.py").write_text(_BACKEND.format(name=name, version=version))
    (directory / f"{name}.py").write_text(f"VALUE = {value!r}\n")
    if slow:
        (directory / "slow").write_text("")
    return directory


def _build(project: Path, out: Path, hook: str) -> Path:
    import sys

    out.mkdir(parents=True, exist_ok=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import envwrap_test_backend as b; "
            f"print(b.{hook}(sys.argv[2]))")
    made = subprocess.run([sys.executable, "-c", code, str(project), str(out)], check=True, capture_output=True,
                          text=True).stdout.strip()
    return out / made


def build_sdist(project: Path, out: Path) -> Path:
    """The project's sdist (a .tar.gz) in ``out``, by its own backend."""
    return _build(project, out, "build_sdist")


def build_wheel(project: Path, out: Path) -> Path:
    """The project's wheel in ``out``, by its own backend."""
    return _build(project, out, "build_wheel")


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.invalid", GIT_CONFIG_NOSYSTEM="1", HOME=str(repo))
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def git_repo(directory: Path, name: str, version: str, value: str = "git") -> tuple[Path, str]:
    """A git repository holding a project; (its path, the commit)."""
    make_project(directory, name, version, value)
    git(directory, "init", "-q")
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "-m", "one")
    return directory, git(directory, "rev-parse", "HEAD")
