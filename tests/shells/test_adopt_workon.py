"""After `envwrap adopt`, the env is an envwrap env like any other in every real
shell: `workon` activates it under its (hostile) new name, cds to the project
pipenv knew, its console script runs from PATH, and `deactivate` leaves it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import BASE_PY, HOSTILE_NAME, make_wheel, no_canary


def _pipenv_env(tmp_path: Path, home: Path) -> tuple[Path, Path]:
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "hello", "1.0", console_script=True)
    project = tmp_path / "projects" / "the app"
    project.mkdir(parents=True, exist_ok=True)
    src = home / ".local" / "share" / "virtualenvs" / "the_app-Qw3rTy_9"
    subprocess.run([BASE_PY, "-m", "venv", "--without-pip", str(src)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(src / "bin" / "python"), "install", "-q",
                    "--no-index", "--find-links", str(wheels), "hello"], check=True, capture_output=True)
    (src / ".project").write_text(str(project))
    return src, project


def test_workon_an_adopted_env(shell, user, tmp_path):
    src, project = _pipenv_env(tmp_path, Path(user["HOME"]))
    name = HOSTILE_NAME
    env = tmp_path / "envs" / name
    r = shell.run(shell.line("envwrap", "adopt", str(src), name))
    assert r.status == 0 and r.stderr.startswith("Adopted "), r
    assert not src.exists()
    assert shell.ok("lsvirtualenv -b").lines == [name]
    r = shell.run(shell.line("workon", name))
    assert r.status == 0, r
    assert shell.var("VIRTUAL_ENV") == str(env)
    assert shell.ok(shell.dialect.pwd()).stdout.strip() == str(project)  # workon cds to the project
    assert shell.which("hello") == str(env / "bin" / "hello")
    assert shell.ok("hello").stdout.strip() == str(env)
    assert shell.run("deactivate").status == 0
    assert shell.var("VIRTUAL_ENV") is None
    no_canary(tmp_path)
