"""The markers auto-activation and ``workon .`` read besides a ``.venv`` (issue
21): ``.python-envs`` (PEP 832: its default line, never another one) and a
``.python-version`` naming an env in WORKON_HOME, in real interactive bash,
zsh and fish (the driver of test_auto.py); their bad inputs, trust, and the
prompt's zero processes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_auto import SHELLS, Interactive, _cd, _env

from conftest import HOSTILE_NAME


@pytest.fixture
def markers(tmp_path, user, envwrap_exe):
    root = tmp_path / "m"
    envs = {key: _env(user, name, envwrap_exe) for key, name in
            (("default", f"d {HOSTILE_NAME}"), ("other", "other"), ("pinned", "pinned"))}
    listed = root / f"listed {HOSTILE_NAME}"
    (listed / "sub").mkdir(parents=True)
    # another tool's line, the other env, the default last (CRLF, a blank line after)
    (listed / ".python-envs").write_bytes(f".tox/py312\r\n{envs['other']}\r\n{envs['default']}\r\n\r\n".encode())
    (listed / ".venv").write_text("other\n")  # later in the order: not taken
    relative = root / "relative"
    relative.mkdir()
    rel = Path("..") / ".." / Path(envs["other"]).relative_to(root.parent)
    (relative / ".python-envs").write_text(f"{rel}\n", encoding="utf-8")
    version = root / "version"
    (version / "sub").mkdir(parents=True)
    (version / ".python-version").write_text("pinned\n3.12\n")
    number = version / "sub" / "number"
    number.mkdir()
    (number / ".python-version").write_text("3.12.1\n")  # no env: ignored, the parent's counts
    plain = root / "plain"
    plain.mkdir()
    return dict(root=root, listed=listed, relative=relative, version=version, number=number, plain=plain, **envs)


@pytest.mark.parametrize("kind", SHELLS)
def test_python_envs_and_python_version_activate(kind, user, tmp_path, envwrap_exe, markers):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=markers["plain"])
    try:
        out = sh.do(_cd(markers["listed"], kind))
        assert sh.var("VIRTUAL_ENV") == markers["default"], out
        assert sh.starts() == 1
        sh.do(_cd(markers["listed"] / "sub", kind))
        assert sh.starts() == 0 and sh.var("VIRTUAL_ENV") == markers["default"]
        sh.do(_cd(markers["relative"], kind))
        assert sh.var("VIRTUAL_ENV") == markers["other"]
        sh.do(_cd(markers["number"], kind))  # 3.12.1 names no env; version/.python-version does
        assert sh.var("VIRTUAL_ENV") == markers["pinned"]
        sh.do(_cd(markers["plain"], kind))
        assert sh.var("VIRTUAL_ENV") == ""
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_the_prompt_starts_no_process_among_the_new_markers(kind, user, tmp_path, envwrap_exe, markers):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=markers["plain"], strace=True)
    try:
        sh.do(_cd(markers["listed"], kind))
        assert sh.starts() == 1
        sh.do("true")
        before = sh.forks()
        sh.do("")
        sh.do(_cd(markers["listed"] / "sub", kind))  # inside: no process
        sh.do(_cd(markers["plain"], kind))  # leaving: none
        ignored = markers["root"] / "ignored"
        ignored.mkdir()
        (ignored / ".python-version").write_text("3.12.1\n")
        sh.do(_cd(ignored, kind))  # a version that names no env: none
        assert sh.forks() - before == 0 and sh.starts() == 0
        assert sh.var("VIRTUAL_ENV") == ""
    finally:
        sh.close()


BAD = {
    "not an env": lambda p, envs: (p / ".python-envs").write_text(f"{envs['default']}\nnowhere\n"),
    "directory": lambda p, envs: (p / ".python-envs").mkdir(),
    "huge": lambda p, envs: (p / ".python-envs").write_bytes(f"{envs['default']}\n".encode() * 40000),
    "not utf-8": lambda p, envs: (p / ".python-envs").write_bytes(b"\xff\xfe\n" + envs["default"].encode() + b"\n"),
    "blank": lambda p, envs: (p / ".python-envs").write_text("\n \n"),
}


@pytest.mark.parametrize("bad", sorted(BAD))
@pytest.mark.parametrize("kind", SHELLS)
def test_a_bad_python_envs_says_one_line_and_falls_back_to_nothing(kind, bad, user, tmp_path, envwrap_exe, markers):
    project = markers["root"] / f"bad {HOSTILE_NAME}"
    (project / "sub").mkdir(parents=True)
    BAD[bad](project, markers)
    (project / ".venv").write_text("other\n")  # a later marker: never a fallback
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=markers["plain"])
    try:
        out = sh.do(_cd(project, kind))
        said = [line for line in out.splitlines() if "envwrap:" in line]
        assert len(said) == 1 and ".python-envs" in said[0], out
        if bad == "not an env":
            assert "line 2" in said[0]
        assert sh.var("VIRTUAL_ENV") == ""
        sh.starts()
        sh.do(_cd(project / "sub", kind))  # not retried until the tree is left
        assert sh.starts() == 0 and sh.var("VIRTUAL_ENV") == ""
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_trust_an_env_outside_workon_home_or_a_venv_directory_needs_allow(kind, user, tmp_path, envwrap_exe,
                                                                        markers):
    outside = tmp_path / "outside"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(outside)], check=True)
    project = markers["root"] / "foreign"
    project.mkdir()
    (project / ".python-envs").write_text(f"{outside}\n")
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=markers["plain"])
    try:
        out = sh.do(_cd(project, kind))
        assert "envwrap allow" in out and sh.var("VIRTUAL_ENV") == ""
        sh.do(_cd(markers["plain"], kind))
        sh.do("envwrap allow " + (_cd(project, kind)[3:]))
        out = sh.do(_cd(project, kind))
        assert sh.var("VIRTUAL_ENV") == str(outside), out
        # a .venv directory beside a .python-envs is its default (PEP 832), and came with the project
        local = markers["root"] / "local"
        local.mkdir()
        (local / ".python-envs").write_text(f"{markers['other']}\n")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(local / ".venv")], check=True)
        out = sh.do(_cd(local, kind))
        assert "envwrap allow" in out and sh.var("VIRTUAL_ENV") == ""  # the tree of outside was left
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_workon_dot_in_a_real_shell(kind, user, tmp_path, envwrap_exe, markers):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=markers["listed"] / "sub", auto=False)
    try:
        sh.do("workon .")
        assert sh.var("VIRTUAL_ENV") == markers["default"]
        sh.do("deactivate")
        sh.do(_cd(markers["number"], kind))
        sh.do("workon -n .")
        assert sh.var("VIRTUAL_ENV") == markers["pinned"]
    finally:
        sh.close()


# PowerShell: the same stories, where pwsh is installed (not on the machines
# this was written on: there the body and the hook file are parse-checked).
PS_MARKERS_BODY = r"""
$ErrorActionPreference = 'Continue'
function global:prompt { 'USER> ' }
& $env:T_ENVWRAP init powershell --auto | Out-String | Invoke-Expression
$seen = @()
foreach ($dir in @($env:T_LISTED, $env:T_RELATIVE, $env:T_NUMBER, $env:T_BAD, $env:T_PLAIN)) {
    Set-Location -LiteralPath $dir
    $null = prompt 2>&1
    $seen += [string]$env:VIRTUAL_ENV
}
[IO.File]::WriteAllText($env:T_OUT, ($seen -join "`n"), (New-Object System.Text.UTF8Encoding -ArgumentList $false))
"""


def test_powershell_markers_body_parses(ps_parser):
    from pwsh import parse

    parse(ps_parser, PS_MARKERS_BODY)


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh not on PATH (not installable on this machine)")
def test_pwsh_python_envs_and_python_version(user, tmp_path, envwrap_exe, markers):
    bad = markers["root"] / "bad"
    bad.mkdir()
    BAD["not an env"](bad, markers)
    script = tmp_path / "markers.ps1"
    script.write_text("\ufeff" + PS_MARKERS_BODY, encoding="utf-8")
    out = tmp_path / "seen.txt"
    env = dict(user, T_OUT=str(out), T_ENVWRAP=str(envwrap_exe), T_LISTED=str(markers["listed"]),
               T_RELATIVE=str(markers["relative"]), T_NUMBER=str(markers["number"]), T_BAD=str(bad),
               T_PLAIN=str(markers["plain"]))
    proc = subprocess.run([shutil.which("pwsh"), "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(script)],
                          env=env, cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert out.read_text(encoding="utf-8").split("\n") == [markers["default"], markers["other"], markers["pinned"],
                                                            "", ""]
    assert proc.stderr.decode().count("line 2") == 1
