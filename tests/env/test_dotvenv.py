"""The project's .venv file (PEP 832): written when envwrap binds a project,
kept when it is not envwrap's, removed with its env, read by workon . in both
forms (a path, or virtualfish's bare name). Backend processes, real files."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from conftest import cli

NAME = "p b'c\"$d`e è中"


def run(user, *args, cwd=None, ok=True):
    return cli(user, *args, cwd=cwd, check=ok, exe=user["ENVWRAP"])


@pytest.fixture
def u(user, envwrap_exe):
    return dict(user, ENVWRAP=str(envwrap_exe))


def envs(u) -> Path:
    return Path(u["WORKON_HOME"])


def new(u, name, *extra):
    run(u, "new", "--without-pip", *extra, name)
    return envs(u) / name


def dot(project: Path) -> str:
    return (project / ".venv").read_text(encoding="utf-8")


def test_mkproject_writes_the_envs_absolute_path(u):
    proc = run(u, "sh", "bash", "mkproject", "--without-pip", NAME)
    project = Path(u["PROJECT_HOME"]) / NAME
    assert dot(project) == str(envs(u) / NAME) + "\n"
    assert "cd " in proc.stdout
    # rmvirtualenv takes it away with the env...
    run(u, "rm", NAME)
    assert not (project / ".venv").exists()
    assert project.is_dir()


def test_mkvirtualenv_a_and_setvirtualenvproject(u, tmp_path):
    project = tmp_path / f"dir {NAME}"
    project.mkdir()
    run(u, "sh", "bash", "mkvirtualenv", "--without-pip", "-a", str(project), "one")
    assert dot(project) == str(envs(u) / "one") + "\n"
    two = new(u, "two")
    # envwrap's file for another env: kept without -f, with a note
    proc = run(u, "setvirtualenvproject", str(two), str(project))
    assert dot(project) == str(envs(u) / "one") + "\n"
    assert "-f" in proc.stderr and proc.stderr.count("\n") <= 2
    run(u, "setvirtualenvproject", "-f", str(two), str(project))
    assert dot(project) == str(two) + "\n"
    # removing the env it no longer names leaves it
    run(u, "rm", "one")
    assert dot(project) == str(two) + "\n"


def test_a_venv_directory_or_someone_elses_file_is_never_touched(u, tmp_path):
    env = new(u, "e")
    local = tmp_path / "local"
    (local / ".venv").mkdir(parents=True)
    (local / ".venv" / "keep").write_text("x")
    proc = run(u, "setvirtualenvproject", str(env), str(local))
    assert (local / ".venv" / "keep").read_text() == "x"
    assert "directory" in proc.stderr
    other = tmp_path / "other"
    other.mkdir()
    (other / ".venv").write_text("e\n")  # virtualfish's form: not envwrap's own
    run(u, "setvirtualenvproject", "-f", str(env), str(other))
    assert dot(other) == "e\n"
    run(u, "rm", "e")
    assert dot(other) == "e\n"
    assert (local / ".venv" / "keep").exists()


def test_write_dot_venv_false_turns_it_off(u, tmp_path):
    run(u, "config", "write_dot_venv", "false")
    assert run(u, "config", "write_dot_venv").stdout.strip() == "false"
    project = tmp_path / "proj"
    project.mkdir()
    run(u, "sh", "bash", "mkvirtualenv", "--without-pip", "-a", str(project), "one")
    assert not (project / ".venv").exists()
    bad = run(u, "config", "write_dot_venv", "maybe", ok=False)
    assert bad.returncode == 2 and bad.stderr.startswith("envwrap: ") and bad.stderr.count("\n") == 1


@pytest.mark.parametrize("form", ["path", "name", "relative"])
def test_workon_dot_reads_both_forms(u, tmp_path, form):
    env = new(u, "target e")
    new(u, "decoy")  # bound to a parent directory through .project only
    project = tmp_path / "proj"
    (project / "deep").mkdir(parents=True)
    run(u, "setvirtualenvproject", str(envs(u) / "decoy"), str(tmp_path))
    text = {"path": str(env), "name": "target e", "relative": str(Path("..") / env.relative_to(tmp_path))}
    (project / ".venv").write_text(text[form] + "\n", encoding="utf-8")
    out = run(u, "sh", "bash", "workon", ".", cwd=project / "deep").stdout
    assert f"\\builtin . {shlex.quote(str(env / 'bin' / 'activate'))}" in out
    assert "decoy" not in out


def test_auto_verb_refuses_a_missing_env_in_one_line(u, tmp_path):
    proc = run(u, "sh", "bash", "auto", str(tmp_path), str(tmp_path / "none"), ok=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("envwrap: ") and proc.stderr.count("\n") == 1


def test_module_api_for_moves(u, tmp_path, monkeypatch):
    """read/points_at/retarget/remove_if_ours, as mv will call them."""
    from envwrap.core import home
    from envwrap.env import projects as dotvenv

    monkeypatch.setenv("WORKON_HOME", u["WORKON_HOME"])
    monkeypatch.setenv("XDG_CONFIG_HOME", u["XDG_CONFIG_HOME"])
    home.reload_config()
    old, new_env = envs(u) / "old", envs(u) / "new"
    project = tmp_path / "p"
    project.mkdir()
    assert dotvenv.read(project) is None
    assert dotvenv.write(project, old) is None
    assert dotvenv.read(project) == str(old) and dotvenv.points_at(project, old)
    assert not dotvenv.retarget(project, new_env, old)  # names old, not new
    assert dotvenv.retarget(project, old, new_env) and dotvenv.points_at(project, new_env)
    assert not dotvenv.remove_if_ours(project, old) and (project / ".venv").exists()
    assert dotvenv.remove_if_ours(project, new_env) and not (project / ".venv").exists()
    (project / ".venv").write_text("  some name \r\n")
    assert dotvenv.read(project) == str(envs(u) / "some name")
    assert not dotvenv.points_at(project, envs(u) / "some name")  # virtualfish's file is not ours
