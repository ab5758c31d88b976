"""Installing: the distribution's name, and `envwrap doctor` noticing when the
`envwrap` on PATH (what the rc file's init line runs) is some other program."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def doctor(envwrap_exe, env):
    return subprocess.run([str(envwrap_exe), "doctor"], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def test_distribution_is_envwrap_venv_and_provides_the_envwrap_command():
    # "envwrap" on PyPI is another project; ours installs as envwrap-venv
    dist = importlib.metadata.distribution("envwrap-venv")
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert scripts == {"envwrap": "envwrap.__main__:main"}


# The unrelated PyPI package "envwrap" ships a console script that looks just like
# ours (`from envwrap.cli import main`), from a package also named envwrap whose
# cli wants positional arguments. This stand-in does the same (written here).
OTHER_CLI = '''import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(description="print parameter overrides")
    parser.add_argument("args", nargs="+")
    parser.parse_args(argv)
'''


@pytest.fixture
def other_envwrap(tmp_path) -> Path:
    site = tmp_path / "other site"
    (site / "envwrap").mkdir(parents=True)
    (site / "envwrap" / "__init__.py").write_text("")
    (site / "envwrap" / "cli.py").write_text(OTHER_CLI)
    bindir = tmp_path / "other $bin"
    bindir.mkdir()
    script = bindir / "envwrap"
    script.write_text(f"#!{sys.executable} -I\nimport sys\nsys.path.insert(0, {str(site)!r})\n"
                      "from envwrap.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    return script


def on_path(user, directory: Path) -> dict:
    return dict(user, PATH=f"{directory}{os.pathsep}{user['PATH']}")


@pytest.mark.parametrize("fresh_install", [False, True])
def test_doctor_warns_when_path_finds_another_program_named_envwrap(envwrap_exe, user, other_envwrap,
                                                                    tmp_path, fresh_install):
    env = on_path(user, other_envwrap.parent)
    if fresh_install:  # no WORKON_HOME yet: just installed, the moment this matters most
        env["WORKON_HOME"] = str(tmp_path / "not yet")
    proc = doctor(envwrap_exe, env)
    lines = [line for line in proc.stdout.splitlines() if str(other_envwrap) in line]
    assert len(lines) == 1 and "not this envwrap" in lines[0] and "envwrap-venv" in lines[0], proc.stdout
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr


def test_doctor_says_nothing_when_path_finds_this_envwrap(envwrap_exe, user, tmp_path):
    # a link to the very console script (pipx's ~/.local/bin/envwrap is one) ...
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "envwrap").symlink_to(envwrap_exe)
    # ... or another file that runs this envwrap (an editable install's script)
    copied = tmp_path / "copied"
    copied.mkdir()
    shutil.copy(envwrap_exe, copied / "envwrap")
    for directory in (linked, copied):
        proc = doctor(envwrap_exe, on_path(user, directory))
        assert "on PATH" not in proc.stdout, proc.stdout
        assert proc.returncode == 0, proc.stdout
