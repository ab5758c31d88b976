"""A project's .python-envs (PEP 832), written when envwrap binds a project and
kept true by mv and rm, other tools' lines left alone; the .venv file envwrap
wrote before (still read, still followed, replaced by doctor --fix) and never
written again; workon . reading every marker. Backend processes, real files."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from conftest import cli, one_line, snapshot

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


def listed(project: Path) -> str:
    return (project / ".python-envs").read_text(encoding="utf-8")


def test_mkproject_names_the_env_last_and_rm_takes_it_away(u):
    proc = run(u, "sh", "bash", "mkproject", "--without-pip", NAME)
    project = Path(u["PROJECT_HOME"]) / NAME
    assert listed(project) == str(envs(u) / NAME) + "\n"
    assert not (project / ".venv").exists()
    assert "cd " in proc.stdout
    run(u, "rm", NAME)  # the only line: the file goes with it (and its lock)
    assert sorted(p.name for p in project.iterdir()) == []


def test_envwrap_new_a_binds_as_mkvirtualenv_a_does(u, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    path = run(u, "new", "--without-pip", "-a", str(project), "n").stdout.strip()
    assert listed(project) == f"{path}\n"


def test_bind_mv_rm_keep_other_tools_lines(u, tmp_path):
    project = tmp_path / f"dir {NAME}"
    project.mkdir()
    theirs = "# not ours\r\n.tox/py312\r\n../shared env\r\n"
    (project / ".python-envs").write_bytes(theirs.encode())
    run(u, "sh", "bash", "mkvirtualenv", "--without-pip", "-a", str(project), "one")
    one = envs(u) / "one"
    assert (project / ".python-envs").read_bytes() == (theirs + f"{one}\r\n").encode()
    two = new(u, "two")
    proc = run(u, "setvirtualenvproject", str(two), str(project))
    assert (project / ".python-envs").read_bytes() == (theirs + f"{one}\r\n{two}\r\n").encode()
    assert "uv sync" not in proc.stderr
    run(u, "setvirtualenvproject", str(envs(u) / "one"), str(project))  # back to the end, once
    assert (project / ".python-envs").read_bytes() == (theirs + f"{two}\r\n{one}\r\n").encode()
    run(u, "mv", "one", "uno b'c")
    uno = envs(u) / "uno b'c"
    assert (project / ".python-envs").read_bytes() == (theirs + f"{two}\r\n{uno}\r\n").encode()
    run(u, "cp", "uno b'c", "copy")  # a copy is no project's default
    assert (project / ".python-envs").read_bytes() == (theirs + f"{two}\r\n{uno}\r\n").encode()
    run(u, "rm", "uno b'c")
    assert (project / ".python-envs").read_bytes() == (theirs + f"{two}\r\n").encode()
    run(u, "rm", "two")
    assert (project / ".python-envs").read_bytes() == theirs.encode()  # other lines: the file stays


@pytest.mark.parametrize("marker", ["uv.lock", "pyproject.toml"])
def test_binding_a_synced_project_says_once_what_uv_sync_does(u, tmp_path, marker):
    project = tmp_path / "proj"
    project.mkdir()
    (project / marker).write_text("")
    env = new(u, "e")
    first = run(u, "setvirtualenvproject", str(env), str(project))
    notes = [line for line in first.stderr.splitlines() if "uv sync --active" in line]
    assert len(notes) == 1 and marker in notes[0] and notes[0].startswith("envwrap: note: ")
    again = run(u, "setvirtualenvproject", str(env), str(project))
    assert "uv sync" not in again.stderr


@pytest.mark.parametrize("bad", ["symlink", "directory", "not utf-8", "huge"])
def test_a_bad_python_envs_refuses_the_binding_in_one_line(u, tmp_path, bad):
    project = tmp_path / "proj"
    project.mkdir()
    path = project / ".python-envs"
    if bad == "symlink":
        (tmp_path / "target").write_text("x\n")
        path.symlink_to(tmp_path / "target")
    elif bad == "directory":
        path.mkdir()
    elif bad == "not utf-8":
        path.write_bytes(b"\xff\n")
    else:
        path.write_bytes(b"x" * (2 << 20))
    env = new(u, "e")
    before = snapshot(tmp_path)
    proc = run(u, "setvirtualenvproject", str(env), str(project), ok=False)
    assert proc.returncode == 1 and one_line(proc.stderr) and ".python-envs" in proc.stderr
    assert snapshot(tmp_path) == before
    proc = run(u, "sh", "bash", "mkvirtualenv", "--without-pip", "-a", str(project), "f", ok=False)
    assert proc.returncode == 1 and one_line(proc.stderr) and proc.stdout == ""
    assert snapshot(tmp_path) == before


def test_doctor_fix_replaces_the_old_dot_venv_file(u, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    env = new(u, "e")
    run(u, "setvirtualenvproject", str(env), str(project))
    (project / ".python-envs").unlink()
    (project / ".venv").write_text(f"{env}\n")  # as envwrap wrote it before
    found = run(u, "doctor", ok=False)
    assert found.returncode != 0 and ".venv" in found.stdout + found.stderr
    fixed = run(u, "doctor", "--fix", ok=False)
    assert "removed " in fixed.stdout + fixed.stderr
    assert not (project / ".venv").exists() and listed(project) == f"{env}\n"
    # someone else's .venv file is not envwrap's to replace
    (project / ".venv").write_text("e\n")
    run(u, "doctor", "--fix", ok=False)
    assert dot(project) == "e\n"


def test_a_venv_directory_or_someone_elses_file_is_never_touched(u, tmp_path):
    env = new(u, "e")
    local = tmp_path / "local"
    (local / ".venv").mkdir(parents=True)
    (local / ".venv" / "keep").write_text("x")
    (local / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    proc = run(u, "setvirtualenvproject", str(env), str(local))
    assert (local / ".venv" / "keep").read_text() == "x"
    assert listed(local) == f"{env}\n"
    assert "PEP 832 makes it the default" in proc.stderr  # the implicit last line
    other = tmp_path / "other"
    other.mkdir()
    (other / ".venv").write_text("e\n")  # virtualfish's form: not envwrap's own
    run(u, "setvirtualenvproject", "-f", str(env), str(other))
    assert dot(other) == "e\n"
    run(u, "rm", "e")
    assert dot(other) == "e\n"
    assert (local / ".venv" / "keep").exists()


@pytest.mark.parametrize("key", ["python_envs", "write_dot_venv"])
def test_python_envs_false_turns_it_off(u, tmp_path, key):
    run(u, "config", key, "false")
    assert run(u, "config", "python_envs").stdout.strip() == "false"
    assert run(u, "config", "write_dot_venv").stdout.strip() == "false"  # the old name, an alias
    project = tmp_path / "proj"
    project.mkdir()
    run(u, "sh", "bash", "mkvirtualenv", "--without-pip", "-a", str(project), "one")
    assert sorted(p.name for p in project.iterdir()) == []
    bad = run(u, "config", key, "maybe", ok=False)
    assert bad.returncode == 2 and bad.stderr.startswith("envwrap: ") and bad.stderr.count("\n") == 1
    run(u, "config", "python_envs", "--unset")
    assert run(u, "config", "python_envs").stdout.strip() == "true"


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
    """The old .venv file: read/points_at/retarget/remove_if_ours, as mv and rm call them."""
    from envwrap.core import home
    from envwrap.env import projects as dotvenv

    monkeypatch.setenv("WORKON_HOME", u["WORKON_HOME"])
    monkeypatch.setenv("XDG_CONFIG_HOME", u["XDG_CONFIG_HOME"])
    home.reload_config()
    old, new_env = envs(u) / "old", envs(u) / "new"
    project = tmp_path / "p"
    project.mkdir()
    assert dotvenv.read(project) is None
    (project / ".venv").write_text(f"{old}\n")
    assert dotvenv.read(project) == str(old) and dotvenv.points_at(project, old)
    assert not dotvenv.retarget(project, new_env, old)  # names old, not new
    assert dotvenv.retarget(project, old, new_env) and dotvenv.points_at(project, new_env)
    assert not dotvenv.remove_if_ours(project, old) and (project / ".venv").exists()
    assert dotvenv.remove_if_ours(project, new_env) and not (project / ".venv").exists()
    (project / ".venv").write_text("  some name \r\n")
    assert dotvenv.read(project) == str(envs(u) / "some name")
    assert not dotvenv.points_at(project, envs(u) / "some name")  # virtualfish's file is not ours


def _activates(out: str, env: Path) -> bool:
    """Whether bash code from the backend sources env's activate (the name
    quoted by bash's own quoter)."""
    from envwrap.shells.posix import quote

    return f"\\builtin . {quote(str(env / 'bin' / 'activate'))}" in out


@pytest.mark.parametrize("marker", [".python-envs", ".python-version"])
def test_workon_dot_reads_python_envs_and_python_version(u, tmp_path, marker):
    env, other = new(u, NAME), new(u, "other")
    project = tmp_path / "proj"
    (project / "deep").mkdir(parents=True)
    # a later marker of the same directory, or one further up: not taken
    (project / ".venv" if marker == ".python-envs" else tmp_path / ".venv").write_text("other\n")
    if marker == ".python-envs":
        (project / marker).write_text(f"{other}\n{env}\r\n\n")
    else:
        (project / marker).write_text(f"{NAME}\n3.12.1\n")
    out = run(u, "sh", "bash", "workon", ".", cwd=project / "deep").stdout
    assert _activates(out, env) and not _activates(out, other)


def test_python_version_naming_no_env_is_ignored(u, tmp_path):
    env = new(u, "e")
    project = tmp_path / "proj"
    (project / "sub").mkdir(parents=True)
    (tmp_path / ".python-envs").write_text(f"{env}\n")  # above: found after the ignored one
    (project / ".python-version").write_text("3.12.1\n")
    assert _activates(run(u, "sh", "bash", "workon", ".", cwd=project / "sub").stdout, env)


def test_workon_dot_fails_on_an_unusable_default_naming_file_and_line(u, tmp_path):
    env = new(u, "e")
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".python-envs").write_text(f"{env}\nnot an env\n")
    proc = run(u, "sh", "bash", "workon", ".", cwd=project, ok=False)
    assert proc.returncode == 1 and proc.stdout == "" and one_line(proc.stderr)
    assert "line 2" in proc.stderr and str(project / ".python-envs") in proc.stderr
    (project / ".python-envs").unlink()
    (project / ".python-envs").mkdir()
    proc = run(u, "sh", "bash", "workon", ".", cwd=project, ok=False)
    assert proc.returncode == 1 and proc.stdout == "" and one_line(proc.stderr) and "directory" in proc.stderr


def test_show_and_ls_name_the_project_files(u, tmp_path):
    import json

    project = tmp_path / "proj"
    project.mkdir()
    env = new(u, NAME)
    run(u, "setvirtualenvproject", str(env), str(project))
    (project / ".python-version").write_text(f"{NAME}\n")
    (project / ".venv").write_text(f"{NAME}\n")
    want = [str(project / ".python-envs"), str(project / ".venv"), str(project / ".python-version")]
    shown = json.loads(run(u, "show", NAME, "--json").stdout)
    assert shown["version"] == 2 and shown["environment"]["project_files"] == want
    (entry,) = json.loads(run(u, "ls", "--json").stdout)["environments"]
    assert entry["project_files"] == want
    text = run(u, "lsvirtualenv", "-l").stdout
    assert all(f"named:   in {path}" in text for path in want)
    (project / ".python-envs").write_text("other\n")
    assert json.loads(run(u, "show", NAME, "--json").stdout)["environment"]["project_files"] == want[1:]
