"""Auto-activation activates only what the user made or allowed (issue 19.4), and
hooks anyone else can write are refused (issue 19.5).

Real interactive bash, zsh and fish (test_auto's driver): a project directory
with a hostile name holds a planted `.venv` whose every piece of code (activate
scripts, preactivate, postactivate) would touch a canary; it must never run
until `envwrap allow`, and a changed marker asks again.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from test_auto import SHELLS, Interactive, _cd

from conftest import HOSTILE_NAME, cli, new_env, one_line, write_script
from realshell import Shell

q = Shell.quote


def _planted(where: Path, canary: Path) -> Path:
    """A `.venv` directory that looks like an environment and whose code, any of
    it, touches ``canary``."""
    venv = where / ".venv"
    (venv / "bin").mkdir(parents=True)
    # healthy to envwrap's eye (an interpreter that runs), so that only the
    # missing allowance stands between it and its code
    python = Path(os.path.realpath(__import__("shutil").which("python3")))
    (venv / "pyvenv.cfg").write_text(f"home = {python.parent}\nversion = 3.12.0\n")
    (venv / "bin" / "python").symlink_to(python)
    touch = f"touch {q(str(canary))}\n"
    for name in ("activate", "activate.fish", "Activate.ps1", "postactivate", "postactivate.fish"):
        (venv / "bin" / name).write_text(touch)
    write_script(venv / "bin" / "preactivate", "#!/bin/sh\n" + touch)
    return venv


def _outside_env(tmp_path: Path, user: dict, name: str = "outside") -> Path:
    """A real environment outside WORKON_HOME (python -m venv; a plain name, as
    venv's own activate script mangles quotes and $ in its path)."""
    env = tmp_path / "elsewhere" / name
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(env)], check=True, env=user)
    write_script(env / "bin" / "preactivate", f"#!/bin/sh\necho pre >> {q(str(tmp_path / 'pre-ran'))}\n")
    return env


def _said(out: str) -> list[str]:
    return [line for line in out.splitlines() if "envwrap:" in line]


@pytest.mark.parametrize("kind", SHELLS)
def test_an_untrusted_venv_directory_never_runs(kind, user, tmp_path, envwrap_exe):
    canary = tmp_path / "PLANTED-RAN"
    clone = tmp_path / "w" / f"clone {HOSTILE_NAME}"
    (clone / "sub").mkdir(parents=True)
    _planted(clone, canary)
    (tmp_path / "w" / "plain").mkdir()
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=tmp_path / "w" / "plain")
    try:
        out = sh.do(_cd(clone, kind))
        said = _said(out)
        assert len(said) == 1 and "envwrap allow" in said[0] and "not activated" in said[0], out
        assert sh.var("VIRTUAL_ENV") == ""
        assert sh.starts() == 1  # the one backend call an activation makes
        sh.do(_cd(clone / "sub", kind))  # inside: no process, nothing said
        assert sh.starts() == 0
        sh.do(_cd(tmp_path / "w" / "plain", kind))
        out = sh.do(_cd(clone, kind))  # back again: said once per directory and shell
        assert _said(out) == [], out
        assert sh.var("VIRTUAL_ENV") == ""
        assert not canary.exists()
        assert not list(tmp_path.rglob("CANARY"))
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_allow_then_a_changed_marker_asks_again(kind, user, tmp_path, envwrap_exe):
    env = _outside_env(tmp_path, user)
    project = tmp_path / "w" / f"proj {HOSTILE_NAME}"
    project.mkdir(parents=True)
    (project / ".venv").write_text(f"{env}\n")
    plain = tmp_path / "w" / "plain"
    plain.mkdir()
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=plain)
    try:
        out = sh.do(_cd(project, kind))
        assert len(_said(out)) == 1 and "envwrap allow" in out, out
        assert sh.var("VIRTUAL_ENV") == "" and not (tmp_path / "pre-ran").exists()
        out = sh.do("envwrap allow")  # here; the next prompt looks again
        assert sh.var("VIRTUAL_ENV") == str(env), out
        assert (tmp_path / "pre-ran").read_text() == "pre\n"
        sh.do(_cd(plain, kind))
        assert sh.var("VIRTUAL_ENV") == ""
        sh.do(_cd(project, kind))  # allowed: no question
        assert sh.var("VIRTUAL_ENV") == str(env)
        sh.do(_cd(plain, kind))
        # The marker now names another env: asked again, nothing of it runs.
        other = _outside_env(tmp_path, user, "other")
        (project / ".venv").write_text(f"{other}\n")
        (tmp_path / "pre-ran").unlink()
        out = sh.do(_cd(project, kind))
        said = _said(out)
        assert len(said) == 1 and "changed since you allowed it" in said[0], out
        assert sh.var("VIRTUAL_ENV") == "" and not (tmp_path / "pre-ran").exists()
        assert not list(tmp_path.rglob("CANARY"))
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_no_process_per_prompt_in_an_untrusted_tree(kind, user, tmp_path, envwrap_exe):
    clone = tmp_path / "w" / "clone"
    (clone / "a" / "b").mkdir(parents=True)
    _planted(clone, tmp_path / "PLANTED-RAN")
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=tmp_path / "w", strace=True)
    try:
        sh.do(_cd(clone, kind))  # refused: the one call
        assert sh.starts() == 1
        sh.do("true")
        before = sh.forks()
        sh.do("")
        sh.do(_cd(clone / "a", kind))
        sh.do(_cd(clone / "a" / "b", kind))
        sh.do(_cd(clone, kind))
        assert sh.forks() - before == 0
        assert sh.starts() == 0
    finally:
        sh.close()


def test_a_venv_file_naming_an_env_in_workon_home_needs_no_allow(user, tmp_path):
    new_env(user, "mine")
    project = tmp_path / HOSTILE_NAME
    project.mkdir()
    (project / ".venv").write_text("mine\n")
    proc = cli(user, "allow", str(project))
    assert proc.returncode == 0 and "without an allowance" in proc.stderr
    # ...and the auto call activates it (it prints code, status 0)
    proc = cli(user, "sh", "bash", "auto", str(project), str(Path(user["WORKON_HOME"]) / "mine"))
    assert proc.returncode == 0 and "activate" in proc.stdout, proc.stderr


def test_auto_refuses_with_status_3_and_runs_nothing(user, tmp_path):
    canary = tmp_path / "PLANTED-RAN"
    project = tmp_path / f"p {HOSTILE_NAME}"
    project.mkdir()
    venv = _planted(project, canary)
    proc = cli(user, "sh", "bash", "auto", str(project), str(venv))
    assert proc.returncode == 3 and proc.stdout == "" and one_line(proc.stderr), proc.stderr
    assert not canary.exists()
    proc = cli(user, "sh", "bash", "auto", "-q", str(project), str(venv))  # told before: quiet
    assert proc.returncode == 3 and proc.stdout == "" and proc.stderr == ""
    # A .venv file naming an env outside WORKON_HOME by a relative path: the same.
    other = tmp_path / "other"
    other.mkdir()
    (other / ".venv").write_text(f"../p {HOSTILE_NAME}/.venv\n")
    proc = cli(user, "sh", "bash", "auto", str(other), str(venv))
    assert proc.returncode == 3 and one_line(proc.stderr)
    assert not canary.exists()
    # workon . (by hand) is consent: no allowance asked
    proc = cli(user, "sh", "bash", "workon", ".", cwd=project)
    assert "allow" not in proc.stderr


def test_allow_list_revoke_and_the_file(user, tmp_path):
    project = tmp_path / f"p {HOSTILE_NAME}"
    (project / "deep").mkdir(parents=True)
    _planted(project, tmp_path / "PLANTED-RAN")
    proc = cli(user, "allow", str(project / "deep"))  # the nearest marker above
    assert proc.returncode == 0 and one_line(proc.stderr), proc.stderr
    listed = cli(user, "allow", "--list", check=True).stdout
    assert listed == f"{project}\n"
    stored = Path(user["XDG_DATA_HOME"]) / "envwrap" / "allowed.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert list(json.loads(stored.read_text())["allowed"]) == [str(project)]
    assert [p.name for p in stored.parent.iterdir() if p.name.endswith(".tmp")] == []
    # allowed: the auto call goes on to activate it (its preactivate runs)
    proc = cli(user, "sh", "bash", "auto", str(project), str(project / ".venv"))
    assert proc.returncode == 0 and (tmp_path / "PLANTED-RAN").exists(), proc.stderr
    (project / ".venv" / "pyvenv.cfg").write_text("home = /\n")  # changed
    assert "(changed)" in cli(user, "allow", "--list", check=True).stdout
    proc = cli(user, "sh", "bash", "auto", str(project), str(project / ".venv"))
    assert proc.returncode == 3 and "changed since you allowed it" in proc.stderr
    proc = cli(user, "allow", "--revoke", str(project))
    assert proc.returncode == 0 and one_line(proc.stderr)
    assert cli(user, "allow", "--list", check=True).stdout == ""
    proc = cli(user, "allow", "--revoke", str(project))
    assert proc.returncode == 1 and one_line(proc.stderr)


@pytest.mark.parametrize("args", [["/nonexistent/dir"], ["--list", "x"], ["--revoke", "--list"]])
def test_allow_bad_input_is_one_line(user, tmp_path, args):
    proc = cli(user, "allow", *args)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") <= 2  # argparse: usage line and error line


def test_allow_without_a_marker(user, tmp_path):
    proc = cli(user, "allow", str(tmp_path))
    assert proc.returncode == 1 and one_line(proc.stderr) and "nothing to allow" in proc.stderr
    assert not (Path(user["XDG_DATA_HOME"]) / "envwrap" / "allowed.json").exists()


# ----------------------------------------------------------------- PowerShell
# Parse-checked always (tree-sitter), run where pwsh is on PATH.

PS_TRUST_BODY = r"""
$ErrorActionPreference = 'Continue'
function global:prompt { 'USER> ' }
& $env:T_ENVWRAP init powershell --auto | Out-String | Invoke-Expression
Set-Location -LiteralPath $env:T_CLONE
$null = prompt
$first = [string]$env:VIRTUAL_ENV
Set-Location -LiteralPath $env:T_PLAIN
$null = prompt
Set-Location -LiteralPath $env:T_CLONE
$null = prompt
$second = [string]$env:VIRTUAL_ENV
[IO.File]::WriteAllText($env:T_OUT, "[$first][$second]")
"""


def test_powershell_trust_body_parses(ps_parser):
    from pwsh import parse

    parse(ps_parser, PS_TRUST_BODY)


@pytest.mark.skipif(__import__("shutil").which("pwsh") is None,
                    reason="pwsh not on PATH (not installable on this machine)")
def test_pwsh_untrusted_venv_directory_never_runs(user, tmp_path, envwrap_exe):
    import shutil

    canary = tmp_path / "PLANTED-RAN"
    clone = tmp_path / f"clone {HOSTILE_NAME}"
    clone.mkdir()
    _planted(clone, canary)
    plain = tmp_path / "plain"
    plain.mkdir()
    script = tmp_path / "trust.ps1"
    script.write_text("\ufeff" + PS_TRUST_BODY, encoding="utf-8")
    out = tmp_path / "out.txt"
    env = dict(user, T_OUT=str(out), T_ENVWRAP=str(envwrap_exe), T_CLONE=str(clone), T_PLAIN=str(plain))
    proc = subprocess.run([shutil.which("pwsh"), "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(script)],
                          env=env, cwd=tmp_path, capture_output=True, timeout=120, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == "[][]"
    assert proc.stderr.count("envwrap allow") == 1, proc.stderr  # said once
    assert not canary.exists()


# ----------------------------------------------------------------- hooks others can write (19.5)

SUFFIX = {"bash": "", "zsh": "", "fish": ".fish", "pwsh": ".ps1"}


def _sets(kind: str, var: str) -> str:
    """A sourced hook's body: set the shell variable ``var`` to ran."""
    return {"fish": f"set -g {var} ran\n", "pwsh": f"$global:{var} = 'ran'\n"}.get(kind, f"{var}=ran\n")


def test_hooks_others_can_write_are_refused_with_one_line_each(shell, user, tmp_path):
    kind = shell.kind
    ext = SUFFIX[kind]
    hook_dir = tmp_path / f"hooks {HOSTILE_NAME}"
    hook_dir.mkdir()
    shell.export("VIRTUALENVWRAPPER_HOOK_DIR", str(hook_dir))
    env = new_env(user, "e")
    ran = tmp_path / "preactivate-ran"
    pre = write_script(hook_dir / "preactivate", f"#!/bin/sh\necho ran >> {q(str(ran))}\n")
    post = hook_dir / f"postactivate{ext}"
    post.write_text(_sets(kind, "T_POSTACTIVATE"))
    predeact = env / "bin" / f"predeactivate{ext}"
    predeact.write_text(_sets(kind, "T_PREDEACTIVATE"))
    postdeact = hook_dir / f"postdeactivate{ext}"  # safe: still sourced
    postdeact.write_text(_sets(kind, "T_POSTDEACTIVATE"))
    postdeact.chmod(0o644)
    pre.chmod(0o777)
    post.chmod(0o666)
    predeact.chmod(0o646)

    r = shell.call("workon", "e")
    assert r.status == 0 and shell.var("VIRTUAL_ENV") == str(env), r
    said = [line for line in r.stderr.splitlines() if line.startswith("envwrap: ")]
    assert len(said) == 2 and r.stderr.count("\n") == 2, r.stderr
    assert f"{pre} not run" in said[0] and "mode 0777" in said[0] and "chmod go-w" in said[0], said
    assert f"{post} not sourced" in said[1] and "mode 0666" in said[1] and "owner " in said[1], said
    assert not ran.exists() and shell.var("T_POSTACTIVATE") is None
    r = shell.call("deactivate")
    assert r.status == 0 and one_line(r.stderr), r
    assert f"{predeact} not sourced" in r.stderr and "mode 0646" in r.stderr
    assert shell.var("T_PREDEACTIVATE") is None and shell.var("T_POSTDEACTIVATE") == "ran"

    # made safe: each runs again
    for path in (pre, post, predeact):
        path.chmod(0o755)
    r = shell.call("workon", "e")
    assert r.status == 0 and r.stderr == "", r
    assert ran.read_text() == "ran\n" and shell.var("T_POSTACTIVATE") == "ran"
    r = shell.call("deactivate")
    assert r.status == 0 and r.stderr == "" and shell.var("T_PREDEACTIVATE") == "ran", r
    assert not list(tmp_path.rglob("CANARY"))


def _workon_plan(user: dict, name: str = "e") -> subprocess.CompletedProcess:
    return cli(user, "sh", "bash", "workon", name)


def test_a_hook_in_a_directory_others_can_write_is_refused(user, tmp_path):
    new_env(user, "e")
    shared = tmp_path / "shared"
    hook_dir = shared / "hooks"
    hook_dir.mkdir(parents=True)
    ran = tmp_path / "ran"
    write_script(hook_dir / "preactivate", f"#!/bin/sh\necho ran >> {q(str(ran))}\n").chmod(0o755)
    (hook_dir / "postactivate").write_text("T=1\n")
    user = dict(user, VIRTUALENVWRAPPER_HOOK_DIR=str(hook_dir))
    shared.chmod(0o777)  # anyone can replace hooks/ itself
    proc = _workon_plan(user)
    assert proc.returncode == 0 and not ran.exists()
    said = proc.stderr.splitlines()
    assert len(said) == 2 and all(f"{shared} (owner " in line and "mode 0777" in line for line in said), said
    assert "postactivate" not in proc.stdout
    # the deactivate hooks there are refused too: the shell is told which
    assert "__envwrap_hooks_refused=" in proc.stdout and "predeactivate" in proc.stdout
    # a sticky world-writable directory (/tmp's mode) is safe: nobody replaces another's entry
    shared.chmod(0o1777)
    proc = _workon_plan(user)
    assert proc.returncode == 0 and proc.stderr == "" and ran.exists(), proc.stderr
    assert "postactivate" in proc.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user or group needs root")
def test_a_hook_owned_by_another_user_or_writable_by_a_shared_group_is_refused(user, tmp_path):
    import grp

    new_env(user, "e")
    hook_dir = Path(user["WORKON_HOME"])
    ran = tmp_path / "ran"
    hook = write_script(hook_dir / "preactivate", f"#!/bin/sh\necho ran >> {q(str(ran))}\n")
    hook.chmod(0o755)
    os.chown(hook, 65534, -1)  # nobody's
    proc = _workon_plan(user)
    assert one_line(proc.stderr) and "belongs to neither you nor root" in proc.stderr and not ran.exists()
    os.chown(hook, 0, -1)
    shared = next((g for g in grp.getgrall() if g.gr_name != "root"), None)
    if shared is None:
        pytest.skip("no group but root here")
    os.chown(hook, -1, shared.gr_gid)
    hook.chmod(0o775)
    proc = _workon_plan(user)
    assert one_line(proc.stderr) and "writable by its group" in proc.stderr and not ran.exists()
    hook.chmod(0o755)
    proc = _workon_plan(user)
    assert proc.stderr == "" and ran.exists()


def test_deactivate_with_a_refused_hook_starts_no_process(user, tmp_path, envwrap_exe):
    env = new_env(user, "e")
    (env / "bin" / "predeactivate").write_text("T=1\n")
    (env / "bin" / "predeactivate").chmod(0o666)
    sh = Interactive("bash", user, tmp_path, envwrap_exe, cwd=tmp_path, strace=True, auto=False)
    try:
        sh.do("workon e")
        sh.do("true")
        before = sh.forks()
        out = sh.do("deactivate")
        assert sh.forks() - before == 0
        assert "not sourced" in out and sh.var("VIRTUAL_ENV") == ""
    finally:
        sh.close()
