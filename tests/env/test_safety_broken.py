"""Broken and damaged environments (a vanished base python, corrupt config or pyvenv.cfg, a
project file pointing nowhere, a hook that is not executable) are reported in one line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from envwrap.core import layout

from conftest import BASE_PY, cli, one_line, q, snapshot

# ----------------------------------------------------------------- broken environments


@pytest.fixture
def vanished_base(user, envwrap_exe, tmp_path):
    """An env 'br' whose base interpreter (a symlink in a temp dir) is gone."""
    fakebase = tmp_path / "fakebase"
    fakebase.mkdir()
    (fakebase / "python3").symlink_to(BASE_PY)
    proc = cli(user, "new", "-p", str(fakebase / "python3"), "--creator", "venv",
               "--without-pip", "br")
    assert proc.returncode == 0, proc.stderr
    shutil.rmtree(fakebase)
    return Path(user["WORKON_HOME"]) / "br"


def test_env_whose_base_python_vanished_is_reported(vanished_base, bash, user, envwrap_exe):
    data = {d["name"]: d for d in json.loads(cli(user, "ls", "--json").stdout)["environments"]}
    assert data["br"]["broken"] and "gone" in data["br"]["broken"]
    long = bash.ok("lsvirtualenv -l").stdout
    assert "status:  BROKEN: " in long and "Traceback" not in long
    # workon refuses in one line naming the way out, and changes nothing ...
    path_before = bash.var("PATH")
    r = bash.run("workon br")
    assert r.status != 0 and one_line(r.stderr) and "envwrap repair br" in r.stderr
    assert bash.var("VIRTUAL_ENV") is None and bash.var("PATH") == path_before
    # ... also when another env is active: it stays active
    bash.ok("mkvirtualenv --without-pip good")
    path_good = bash.var("PATH")
    r = bash.run("workon br")
    assert r.status != 0 and one_line(r.stderr)
    assert bash.var("VIRTUAL_ENV") == str(vanished_base.parent / "good") and bash.var("PATH") == path_good
    bash.ok("deactivate")
    doctor = cli(user, "doctor")
    assert doctor.returncode != 0
    assert [line for line in doctor.stdout.splitlines() if "'br'" in line and "broken" in line]
    assert "envwrap repair br" in doctor.stdout


def test_repair_brings_back_an_env_whose_base_python_vanished(vanished_base, user, envwrap_exe):
    proc = cli(user, "repair", "br", "-p", BASE_PY)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(cli(user, "ls", "--json").stdout)["environments"]
    assert data[0]["broken"] is None
    py = subprocess.run([str(vanished_base / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                        capture_output=True, text=True)
    assert py.stdout.strip() == str(vanished_base)


# ----------------------------------------------------------------- damaged files


def test_corrupt_config_is_one_line_naming_it(user, envwrap_exe, bash, tmp_path):
    cfg = tmp_path / "conf dir" / "bad.toml"
    cfg.parent.mkdir()
    unset = {k: v for k, v in user.items() if k != "WORKON_HOME"}
    data_dir = Path(user["HOME"]) / ".local" / "share"
    before = snapshot(data_dir)
    for content in (b"workon_home = [unclosed\n", b"\xff\xfe garbage \x00", b"workon_home = 5\n"):
        cfg.write_bytes(content)
        proc = cli(dict(unset, ENVWRAP_CONFIG=str(cfg)), "ls")
        assert proc.returncode != 0 and one_line(proc.stderr) and str(cfg) in proc.stderr, proc.stderr
    # in bash, WORKON_HOME unset: the config decides where envs live
    cfg.write_bytes(b"workon_home = [unclosed\n")
    bash.ok(f"unset WORKON_HOME; export ENVWRAP_CONFIG={q(str(cfg))}")
    for command in ("workon x", "mkvirtualenv --without-pip x", "showvirtualenv x", "rmvirtualenv x"):
        r = bash.run(command)
        assert r.status != 0 and one_line(r.stderr) and str(cfg) in r.stderr, (command, r.stderr)
        assert bash.var("VIRTUAL_ENV") is None
    # the XDG location, named the same way
    xdg = Path(user["XDG_CONFIG_HOME"]) / "envwrap" / "config.toml"
    xdg.parent.mkdir(parents=True)
    xdg.write_text('creator = "venv"\nworkon_home = \n')
    bash.ok("unset ENVWRAP_CONFIG")
    r = bash.run("workon x")
    assert r.status != 0 and one_line(r.stderr) and str(xdg) in r.stderr, r.stderr
    # WORKON_HOME set: the config is still read for the creator
    bash.ok(f"WORKON_HOME={q(str(tmp_path / 'envs'))}; unset ENVWRAP_CREATOR")
    r = bash.run("mkvirtualenv --without-pip y")
    assert r.status != 0 and one_line(r.stderr) and str(xdg) in r.stderr, r.stderr
    assert not os.path.lexists(tmp_path / "envs" / "y")
    assert snapshot(data_dir) == before


def test_garbage_pyvenv_cfg_is_listed_as_broken(user, envwrap_exe, bash, tmp_path):
    home_dir = tmp_path / "envs"
    for name in ("garbage", "fine"):
        assert cli(user, "new", "--without-pip", name).returncode == 0
    (home_dir / "garbage" / "pyvenv.cfg").write_bytes(b"\xff\xfe\x00\x01home = \x80\x81\n\xc3(")
    assert cli(user, "ls").stdout == "fine\ngarbage\n"
    data = {d["name"]: d for d in json.loads(cli(user, "ls", "--json").stdout)["environments"]}
    assert data["fine"]["broken"] is None
    assert "pyvenv.cfg" in data["garbage"]["broken"]
    for argv in (["ls", "-l"], ["show", "garbage"], ["doctor"]):
        proc = cli(user, *argv)
        assert "Traceback" not in proc.stderr and proc.stderr in ("", "no problems found\n"), proc.stderr
        assert "garbage" in proc.stdout
    assert "status:  BROKEN:" in cli(user, "show", "garbage").stdout
    r = bash.run("workon garbage")
    assert r.status != 0 and one_line(r.stderr) and "envwrap repair garbage" in r.stderr
    assert bash.var("VIRTUAL_ENV") is None
    bash.ok("workon fine")


def test_repair_of_an_unreadable_pyvenv_cfg(user, envwrap_exe, tmp_path):
    """Without -p, repair cannot tell which Python the env had: one line saying
    to name it, nothing changed. With -p, the env is whole again afterwards."""
    env = tmp_path / "envs" / "garbage"
    assert cli(user, "new", "--without-pip", "garbage").returncode == 0
    (env / "pyvenv.cfg").write_bytes(b"\xff\xfe\x00garbage")
    before = snapshot(env)
    proc = cli(user, "repair", "garbage")
    assert proc.returncode != 0 and one_line(proc.stderr) and "-p PYTHON" in proc.stderr, proc.stderr
    assert snapshot(env) == before
    proc = cli(user, "repair", "garbage", "-p", BASE_PY)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(cli(user, "ls", "--json").stdout)["environments"]
    assert [(d["name"], d["broken"]) for d in data] == [("garbage", None)]
    cfg = layout.read_cfg(env / "pyvenv.cfg")
    assert os.path.realpath(os.path.join(cfg["home"], os.path.basename(BASE_PY))) == BASE_PY
    py = subprocess.run([str(env / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                        capture_output=True, text=True)
    assert py.stdout.strip() == str(env)


def test_project_file_pointing_nowhere(user, envwrap_exe, bash, tmp_path):
    home_dir = tmp_path / "envs"
    assert cli(user, "new", "--without-pip", "proj env").returncode == 0
    project_file = home_dir / "proj env" / ".project"
    project_file.write_text(str(tmp_path / "gone dir") + "\n")
    pwd = bash.var("PWD")
    r = bash.run("workon 'proj env'")
    assert r.status == 0
    assert one_line(r.stderr) and str(project_file) in r.stderr
    assert bash.var("VIRTUAL_ENV") == str(home_dir / "proj env") and bash.var("PWD") == pwd


def test_hook_that_is_not_executable_is_named(user, envwrap_exe, bash, tmp_path):
    home_dir = tmp_path / "envs"
    assert cli(user, "new", "--without-pip", "e").returncode == 0
    ran = tmp_path / "RAN"
    for hook in ("preactivate", "premkvirtualenv"):
        (home_dir / hook).write_text(f"#!/bin/sh\ntouch {q(str(ran))}\n")
        (home_dir / hook).chmod(0o644)
    r = bash.run("workon e")
    assert r.status == 0 and bash.var("VIRTUAL_ENV") == str(home_dir / "e")
    assert one_line(r.stderr) and str(home_dir / "preactivate") in r.stderr and "executable" in r.stderr
    bash.ok("deactivate")
    r = bash.run("mkvirtualenv --without-pip f")
    assert str(home_dir / "premkvirtualenv") in r.stderr and "executable" in r.stderr
    assert not ran.exists()
