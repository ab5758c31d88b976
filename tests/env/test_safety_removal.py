"""Removal never follows a link out of WORKON_HOME and touches only the named environment;
commands refuse a VIRTUAL_ENV that is not an environment.
"""

from __future__ import annotations

import os
import subprocess

from conftest import cli, make_wheel, one_line, q, snapshot, stage_entries

# ----------------------------------------------------------------- safe removal


def test_rmvirtualenv_refuses_anything_but_a_named_environment(bash, tmp_path):
    home_dir = tmp_path / "envs"
    sibling = tmp_path / "sibling"  # next to WORKON_HOME, looks like an env
    sibling.mkdir()
    (sibling / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (sibling / "CANARY-keep").write_text("keep")
    outside = tmp_path / "outside env"
    outside.mkdir()
    (outside / "pyvenv.cfg").write_text("home = /usr/bin\n")
    bash.ok("mkvirtualenv --without-pip real && deactivate")
    (home_dir / "not an env").mkdir()
    (home_dir / "not an env" / "data").write_text("data")
    (home_dir / "a file").write_text("file")
    bash.ok("mkvirtualenv --without-pip active")
    before = snapshot(tmp_path)
    for arg in ["active", "", "/", ".", "..", "../sibling", "../x", str(sibling), str(outside),
                "not an env", "a file", ".envwrap", "real/", "real/..", "../envs/real", "~"]:
        r = bash.run(f"rmvirtualenv {q(arg)}")
        assert r.status != 0, arg
        assert one_line(r.stderr), (arg, r.stderr)
    assert snapshot(tmp_path) == before
    assert bash.var("VIRTUAL_ENV") == str(home_dir / "active")
    assert (sibling / "CANARY-keep").read_text() == "keep"


def test_symlinked_env_is_unlinked_and_its_target_kept(bash, user, envwrap_exe, tmp_path):
    home_dir = tmp_path / "envs"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = cli(dict(user, WORKON_HOME=str(elsewhere)), "new", "--without-pip", "target env")
    assert proc.returncode == 0, proc.stderr
    target = elsewhere / "target env"
    (home_dir / "linked").symlink_to(target)
    assert "linked" in bash.ok("lsvirtualenv -b").lines
    before = snapshot(target)
    bash.ok("rmvirtualenv linked")
    assert not os.path.lexists(home_dir / "linked")
    assert snapshot(target) == before
    assert subprocess.run([str(target / "bin" / "python"), "-c", "pass"]).returncode == 0


def test_links_inside_an_env_are_removed_as_links(bash, tmp_path):
    home_dir = tmp_path / "envs"
    bash.ok("mkvirtualenv --without-pip victim && deactivate")
    env = home_dir / "victim"
    outside = tmp_path / "outside data"
    (outside / "sub").mkdir(parents=True)
    (outside / "precious.txt").write_text("precious")
    (outside / "sub" / "nested.txt").write_text("nested")
    (outside / "hard.txt").write_text("hard")
    (env / "lib" / "link-to-dir").symlink_to(outside)
    (env / "bin" / "link-to-file").symlink_to(outside / "precious.txt")
    (env / "dangling").symlink_to(tmp_path / "nowhere")
    os.link(outside / "hard.txt", env / "hard-link.txt")
    before = snapshot(outside)
    bash.ok("rmvirtualenv victim")
    assert not os.path.lexists(env)
    assert snapshot(outside) == before
    assert (outside / "sub" / "nested.txt").read_text() == "nested"
    assert stage_entries(home_dir) == []


def test_wipeenv_touches_only_that_env(bash, user, envwrap_exe, tmp_path, warm_seed):
    home_dir = tmp_path / "envs"
    wheel = make_wheel(tmp_path, "wipeprobe", "1.0")
    proc = cli(dict(user, PIP_NO_INDEX="1"), "new", "-i", str(wheel), "one")
    assert proc.returncode == 0, proc.stderr
    assert cli(user, "cp", "one", "two").returncode == 0

    def has_probe(name: str) -> bool:
        return bool(list((home_dir / name).glob("lib/python*/site-packages/wipeprobe.py")))

    assert has_probe("one") and has_probe("two")
    bash.ok("workon one")
    bash.ok("wipeenv")
    assert not has_probe("one")
    assert has_probe("two")
    check = subprocess.run([str(home_dir / "two" / "bin" / "python"), "-c", "import wipeprobe"])
    assert check.returncode == 0
    assert (home_dir / "one" / "bin" / "pip").exists()


FAKE_PYTHON = """#!/bin/sh
echo "$*" >> {log}
case "$*" in *"pip list"*"--exclude-editable"*) echo "somepkg==1.0" ;; esac
exit 0
"""


def test_commands_refuse_a_VIRTUAL_ENV_that_is_not_an_environment(user, envwrap_exe, tmp_path):
    notenv = tmp_path / "not an env"  # think VIRTUAL_ENV=/usr
    (notenv / "bin").mkdir(parents=True)
    (notenv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    log = tmp_path / "python.log"
    (notenv / "bin" / "python").write_text(FAKE_PYTHON.format(log=q(str(log))))
    (notenv / "bin" / "python").chmod(0o755)
    before = snapshot(notenv)
    env = dict(user, VIRTUAL_ENV=str(notenv))
    for argv in (["wipe"], ["add-path", str(tmp_path)], ["project"], ["toggle-global"]):
        proc = cli(env, *argv, cwd=tmp_path)
        assert proc.returncode != 0 and one_line(proc.stderr), (argv, proc.stderr)
    assert not log.exists(), log.read_text()
    assert snapshot(notenv) == before
