"""Links planted inside an environment, and special files: envwrap never writes
through a link it did not make (every file it writes inside an env is a new
file renamed over the old, :mod:`envwrap.atomicfile`), never creates or touches
a file through the last-used marker, and `export -o` writes to a special file
as a stream instead of replacing it.

Each test plants what an attacker who owns the env would plant, runs the verb
(as root would run it on that user's env), and checks that the file the link
names is byte for byte what it was, with its mode.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from conftest import cli, new_env, one_line, snapshot

BASE_PY = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
VICTIM_TEXT = b"precious: root's file\n"


def _victim(tmp_path: Path, text: bytes = VICTIM_TEXT) -> Path:
    victim = tmp_path / "outside" / "victim"
    victim.parent.mkdir(exist_ok=True)
    victim.write_bytes(text)
    victim.chmod(0o640)
    return victim


def _unchanged(victim: Path, text: bytes = VICTIM_TEXT) -> None:
    assert victim.read_bytes() == text
    assert stat.S_IMODE(victim.stat().st_mode) == 0o640


def _plant(env: Path, rel: str, target: Path) -> None:
    link = env / rel
    if link.exists() or link.is_symlink():
        link.unlink()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def _regular(path: Path) -> bool:
    return stat.S_ISREG(path.lstat().st_mode)


ACTIVATORS = ["bin/activate", "bin/activate.fish", "bin/Activate.ps1", "bin/activate.csh"]


@pytest.mark.parametrize("rel", ACTIVATORS)
@pytest.mark.parametrize("verb", ["cp", "mv", "repair"])
def test_a_planted_link_is_replaced_never_written_through(verb, rel, user, tmp_path):
    env = new_env(user, "src")
    victim = _victim(tmp_path)
    _plant(env, rel, victim)
    args = {"cp": ["cp", "src", "dst"], "mv": ["mv", "src", "dst"], "repair": ["repair", "src", "-p", BASE_PY]}[verb]
    cli(user, *args, check=True)
    _unchanged(victim)
    result = env if verb == "repair" else env.parent / "dst"
    if rel != "bin/activate.csh":  # envwrap writes the others (venv the .csh, on some versions)
        assert _regular(result / rel), f"{rel} is still a link after {verb}"


@pytest.mark.parametrize("verb", ["cp", "mv", "repair"])
def test_a_linked_pyvenv_cfg_is_not_written_through(verb, user, tmp_path):
    env = new_env(user, "src")
    # What the file says matters: it names the env (the prompt a copy renames)
    # and the paths relocation rewrites, so that every writer would want it.
    victim = _victim(tmp_path, (env / "pyvenv.cfg").read_bytes() + f"prompt = src\nx = {env}\n".encode())
    original = victim.read_bytes()
    _plant(env, "pyvenv.cfg", victim)
    args = {"cp": ["cp", "src", "dst"], "mv": ["mv", "src", "dst"], "repair": ["repair", "src", "-p", BASE_PY]}[verb]
    cli(user, *args, check=True)
    _unchanged(victim, original)
    if verb == "repair":
        assert _regular(env / "pyvenv.cfg")


def test_relocation_never_reads_or_writes_through_a_link(user, tmp_path):
    """cp and mv rewrite the old path in scripts, .pth files and (mv) every
    text file: a link among them naming a file that holds the old path is
    left a link, and that file as it was."""
    env = new_env(user, "src")
    victim = _victim(tmp_path, f"#!{env}/bin/python\nprint('{env}')\n".encode())
    original = victim.read_bytes()
    site = next(env.glob("lib/python*/site-packages"))
    for rel in ("bin/tool", "bin/notes.txt", str(site.relative_to(env) / "extra.pth"), "share/notes.txt"):
        _plant(env, rel, victim)
    cli(user, "cp", "src", "copy", check=True)
    cli(user, "mv", "src", "moved", check=True)
    _unchanged(victim, original)


@pytest.mark.parametrize("verb", ["cp", "mv"])
def test_a_scripts_directory_leading_out_is_refused(verb, user, tmp_path):
    env = new_env(user, "src")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "activate").write_text("mine\n")
    os.rename(env / "bin", tmp_path / "real-bin")
    (env / "bin").symlink_to(outside)
    before = snapshot(outside)
    proc = cli(user, verb, "src", "dst")
    assert proc.returncode != 0 and one_line(proc.stderr) and "leads out of the environment" in proc.stderr
    assert snapshot(outside) == before
    assert not (env.parent / "dst").exists() and env.is_dir()


def test_repair_refuses_a_scripts_directory_leading_out(user, tmp_path):
    env = new_env(user, "src")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.rename(env / "bin", tmp_path / "real-bin")
    (env / "bin").symlink_to(outside)
    proc = cli(user, "repair", "src", "-p", BASE_PY)
    assert proc.returncode != 0 and one_line(proc.stderr) and "leads out of the environment" in proc.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("writer", ["add-path", "toggle-global", "vars", "project"])
def test_every_other_writer_replaces_a_link(writer, user, tmp_path):
    """The .pth file of add2virtualenv, pyvenv.cfg of toggleglobalsitepackages,
    the env's variables and its .project file."""
    env = new_env(user, "src")
    site = next(env.glob("lib/python*/site-packages"))
    rel, args = {
        "add-path": (site.relative_to(env) / "_virtualenv_path_extensions.pth", ["add-path", str(tmp_path)]),
        "toggle-global": (Path("pyvenv.cfg"), ["toggle-global", "-q"]),
        "vars": (Path(".envwrap-vars.toml"), ["vars", "src", "set", "A=1"]),
        "project": (Path(".project"), ["project", "src", str(tmp_path)]),
    }[writer]
    text = (env / rel).read_bytes() if (env / rel).is_file() else VICTIM_TEXT
    if writer == "vars":
        from envwrap import envvars

        rel, text = Path(envvars.FILENAME), b'SECRET = "root\'s"\n'
    victim = _victim(tmp_path, text)
    original = victim.read_bytes()
    _plant(env, str(rel), victim)
    cli(dict(user, VIRTUAL_ENV=str(env)), *args, check=True)
    _unchanged(victim, original)
    assert _regular(env / rel)


# ----------------------------------------------------------------- the last-used marker

LAST_USED_CALLS = {
    "workon": lambda env: ["sh", "bash", "workon", env.name],
    "run": lambda env: ["run", env.name, "--", "true"],
}  # (add-path and toggle-global do not record use: registry.mark_used is the one writer)


@pytest.mark.parametrize("verb", sorted(LAST_USED_CALLS))
def test_the_last_used_marker_never_follows_a_link(verb, user, tmp_path):
    from envwrap import registry

    env = new_env(user, "src")
    run_env = dict(user, VIRTUAL_ENV=str(env))
    marker = env / registry.LAST_USED
    # A dangling link: following it would create the file it names.
    nologin = tmp_path / "outside" / "nologin"
    nologin.parent.mkdir()
    marker.unlink(missing_ok=True)
    marker.symlink_to(nologin)
    cli(run_env, *LAST_USED_CALLS[verb](env), check=True)
    assert not nologin.exists() and not nologin.is_symlink()
    # A link to a file: following it would change that file's times.
    victim = _victim(tmp_path)
    os.utime(victim, (1_000_000_000, 1_000_000_000))
    marker.unlink()
    marker.symlink_to(victim)
    cli(run_env, *LAST_USED_CALLS[verb](env), check=True)
    assert victim.stat().st_mtime == 1_000_000_000
    _unchanged(victim)
    # A plain marker is still kept up to date.
    marker.unlink()
    marker.touch()
    os.utime(marker, (1_000_000_000, 1_000_000_000))
    cli(run_env, *LAST_USED_CALLS[verb](env), check=True)
    assert marker.stat().st_mtime > 1_000_000_000
