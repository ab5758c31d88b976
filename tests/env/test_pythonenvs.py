"""envwrap.env.pythonenvs: the .python-envs file (PEP 832) on real files: other
tools' lines kept byte for byte, the lock, the bad files of issue 21's Rules."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from envwrap.core.errors import UserError
from envwrap.env import pythonenvs

NAME = "p b'c\"$d`e è中"


def env(where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    (where / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return where


def text(project: Path) -> bytes:
    return (project / ".python-envs").read_bytes()


def test_append_creates_moves_to_the_end_and_keeps_other_lines(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    one, two = env(tmp_path / "home" / NAME), env(tmp_path / "home" / "two")
    pythonenvs.append(project, one)
    assert text(project) == f"{one}\n".encode()
    # another tool's lines, CRLF, a relative line and no final newline
    (project / ".python-envs").write_bytes(b".tox/py312\r\n  \r\n" + str(one).encode() + b"\r\n../x")
    pythonenvs.append(project, two)
    assert text(project) == b".tox/py312\r\n  \r\n" + f"{one}\r\n../x\r\n{two}\r\n".encode()
    pythonenvs.append(project, one)  # the earlier identical line goes, the new one is last
    assert text(project) == f".tox/py312\r\n  \r\n../x\r\n{two}\r\n{one}\r\n".encode()
    assert pythonenvs.default(project) == (str(one), 5)
    assert pythonenvs.names(project, two) and not pythonenvs.names(project, tmp_path)


def test_a_relative_line_naming_the_env_is_the_same_entry(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    one = env(tmp_path / "envs" / "one")
    (project / ".python-envs").write_text("../envs/one\nother\n")
    pythonenvs.append(project, one)
    assert (project / ".python-envs").read_text() == f"other\n{one}\n"


def test_replace_in_place_and_remove(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    old, new, keep = tmp_path / "old", tmp_path / "new", "someone/else's"
    (project / ".python-envs").write_text(f"{old}\n{keep}\n../old\n")
    assert pythonenvs.replace(project, old, new)
    assert (project / ".python-envs").read_text() == f"{new}\n{keep}\n{new}\n"
    assert not pythonenvs.replace(project, old, new)
    assert pythonenvs.remove(project, new)
    assert (project / ".python-envs").read_text() == f"{keep}\n"
    assert not pythonenvs.remove(project, new)
    pythonenvs.append(project, new)
    (project / ".python-envs").write_text(f"{new}\n\n")
    assert pythonenvs.remove(project, new)  # nothing else left: the file and its lock go
    assert not (project / ".python-envs").exists() and not (project / ".python-envs.lock").exists()
    assert not pythonenvs.replace(project, old, new) and not (project / ".python-envs").exists()


def test_default_is_the_last_line_never_another(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    assert pythonenvs.default(project) is None
    good = env(tmp_path / "good")
    (project / ".python-envs").write_text(f"{good}\nnot-an-env\n\n")
    with pytest.raises(UserError) as err:
        pythonenvs.default(project)
    assert "line 2" in str(err.value) and str(project / ".python-envs") in str(err.value)
    (project / ".python-envs").write_text("\n \n")
    with pytest.raises(UserError):
        pythonenvs.default(project)
    env(project / ".venv")  # a .venv directory beside it: the implicit last line
    assert pythonenvs.default(project) == (str(project / ".venv"), 0)


@pytest.mark.parametrize("bad", ["directory", "not utf-8", "huge", "nul", "unreadable"])
def test_bad_files_raise_one_line_and_nothing_is_written(tmp_path, bad):
    project = tmp_path / "proj"
    project.mkdir()
    path = project / ".python-envs"
    if bad == "directory":
        path.mkdir()
    elif bad == "not utf-8":
        path.write_bytes(b"\xff\xfe/x\n")
    elif bad == "huge":
        path.write_bytes(b"/x\n" * (pythonenvs.CAP // 3 + 1))
    elif bad == "nul":
        path.write_bytes(b"/x\x00\n")
    else:
        if os.geteuid() == 0:
            pytest.skip("root reads anything")
        path.write_text("/x\n")
        path.chmod(0)
    before = path.read_bytes() if path.is_file() and bad != "unreadable" else None
    for call in (lambda: pythonenvs.default(project), lambda: pythonenvs.append(project, tmp_path / "e"),
                 lambda: pythonenvs.check(project)):
        with pytest.raises(UserError) as err:
            call()
        assert "\n" not in str(err.value) and str(path) in str(err.value)
    if before is not None:
        assert path.read_bytes() == before
    assert not pythonenvs.names(project, "/x")


def test_a_symlinked_file_is_never_written_through(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    target = tmp_path / "elsewhere"
    target.write_text("/x\n")
    (project / ".python-envs").symlink_to(target)
    for call in (lambda: pythonenvs.append(project, tmp_path / "e"), lambda: pythonenvs.remove(project, "/x"),
                 lambda: pythonenvs.replace(project, "/x", "/y")):
        with pytest.raises(UserError, match="symbolic link"):
            call()
    assert target.read_text() == "/x\n" and (project / ".python-envs").is_symlink()


def test_a_line_break_in_the_path_is_refused(tmp_path):
    with pytest.raises(UserError):
        pythonenvs.append(tmp_path, tmp_path / "a\nb")
    assert not (tmp_path / ".python-envs").exists()


def test_the_file_keeps_its_mode(tmp_path):
    (tmp_path / ".python-envs").write_text("x\n")
    (tmp_path / ".python-envs").chmod(0o640)
    pythonenvs.append(tmp_path, tmp_path / "e")
    assert stat.S_IMODE((tmp_path / ".python-envs").stat().st_mode) == 0o640


def _add(project: str, env: str) -> None:
    pythonenvs.append(project, env)


def test_concurrent_writers_lose_no_line(tmp_path):
    """Eight processes appending at once: the lock keeps every line (without
    it, read-modify-write drops some, as virtualenv's PR measured)."""
    project = tmp_path / "proj"
    project.mkdir()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_add, args=(str(project), str(tmp_path / f"e{i}"))) for i in range(8)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    assert sorted((project / ".python-envs").read_text().split()) == sorted(str(tmp_path / f"e{i}") for i in range(8))
