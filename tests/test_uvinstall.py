"""mkvirtualenv -i / -r install through uv when uv is there (envwrap/uvinstall.py):
pip's index, find-links, no-index and constraint settings reach uv, a failure
leaves nothing, and pip is still in the env. Offline: local wheels only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_wheel, require_creator

ENVWRAP = Path(sys.executable).parent / "envwrap"


def envwrap(env, *args):
    return subprocess.run([str(ENVWRAP), *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture
def offline(user, tmp_path) -> dict:
    """A user whose pip has no settings but the ones each test gives it."""
    require_creator("uv")  # the uv binary is what installs here
    env = {k: v for k, v in user.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, UV_NO_CONFIG="1", UV_CACHE_DIR=str(tmp_path / "uv-cache"),
               ENVWRAP_CREATOR="venv")
    return env


@pytest.fixture
def wheels(tmp_path) -> Path:
    where = tmp_path / "wheels"
    make_wheel(where, "demo", "1.0")
    make_wheel(where, "demo", "2.0")
    make_wheel(where, "other", "1.0")
    return where


def site(env: dict, name: str) -> Path:
    (found,) = Path(env["WORKON_HOME"], name).glob("lib/python*/site-packages")
    return found


def installer(env: dict, name: str, dist: str) -> tuple[str, str]:
    """(version, INSTALLER) of ``dist`` in env ``name``."""
    (info,) = site(env, name).glob(f"{dist}-*.dist-info")
    return info.name[len(dist) + 1:-len(".dist-info")], (info / "INSTALLER").read_text().strip()


def pip_works(env: dict, name: str) -> bool:
    pip = Path(env["WORKON_HOME"], name, "bin", "pip")
    return subprocess.run([str(pip), "--version"], capture_output=True, env=env).returncode == 0


def test_find_links_and_no_index_reach_uv(offline, wheels):
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1")
    r = envwrap(env, "new", "-i", "demo", "-i", "other", "it's $x")
    assert r.returncode == 0, r.stderr
    assert installer(env, "it's $x", "demo") == ("2.0", "uv")
    assert installer(env, "it's $x", "other") == ("1.0", "uv")
    assert pip_works(env, "it's $x")


def test_a_constraint_and_a_requirements_file_reach_uv(offline, wheels, tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("demo==1.0\n")
    req = tmp_path / "req s.txt"
    req.write_text("demo\n")
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1", PIP_CONSTRAINT=str(constraints))
    r = envwrap(env, "new", "-r", str(req), "pinned")
    assert r.returncode == 0, r.stderr
    assert installer(env, "pinned", "demo") == ("1.0", "uv")


def test_pips_config_file_reaches_uv(offline, wheels, tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nfind-links = {wheels}\n[install]\nno-index = true\n")
    env = dict(offline, PIP_CONFIG_FILE=str(conf))
    r = envwrap(env, "new", "-i", "other", "conf")
    assert r.returncode == 0, r.stderr
    assert installer(env, "conf", "other") == ("1.0", "uv")


def test_a_local_index_url_reaches_uv(offline, wheels, tmp_path):
    index = tmp_path / "simple"
    (index / "demo").mkdir(parents=True)
    links = "".join(f'<a href="{w.as_uri()}">{w.name}</a>\n' for w in sorted(wheels.glob("demo-*.whl")))
    (index / "demo" / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    (index / "index.html").write_text('<html><body><a href="demo/">demo</a></body></html>\n')
    env = dict(offline, PIP_INDEX_URL=index.as_uri())
    r = envwrap(env, "new", "-i", "demo<2", "indexed")
    assert r.returncode == 0, r.stderr
    assert installer(env, "indexed", "demo") == ("1.0", "uv")


def test_a_failure_leaves_nothing_and_says_one_line(offline, wheels):
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1")
    r = envwrap(env, "new", "-i", "no-such-dist-envwrap", "fails")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    ours = [line for line in r.stderr.splitlines() if line.startswith("envwrap:")]
    assert len(ours) == 1 and "no-such-dist-envwrap" in ours[0] and r.stderr.endswith(ours[0] + "\n"), r.stderr
    home = Path(env["WORKON_HOME"])
    assert not os.path.lexists(home / "fails")
    assert list(home.glob(".envwrap/staging/*")) == []
    assert envwrap(env, "ls").stdout == ""


def test_installer_pip_keeps_pip(offline, wheels):
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1", ENVWRAP_INSTALLER="pip")
    r = envwrap(env, "new", "-i", "demo==1.0", "by-pip")
    assert r.returncode == 0, r.stderr
    assert installer(env, "by-pip", "demo") == ("1.0", "pip")
    bad = envwrap(dict(env, ENVWRAP_INSTALLER="conda"), "new", "-i", "demo", "x")
    assert bad.returncode != 0 and bad.stderr.startswith("envwrap: ") and bad.stderr.count("\n") == 1
    assert not Path(env["WORKON_HOME"], "x").exists()
