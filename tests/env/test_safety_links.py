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
        from envwrap.env import variables as envvars

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
    from envwrap.env import registry

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


# ----------------------------------------------------------------- export -o and special files


@pytest.fixture
def exported(user):
    """An env with a variable (a manifest of it holds [vars]) and its manifest."""
    new_env(user, "src")
    cli(user, "vars", "src", "set", "TOKEN=secret", check=True)
    return cli(user, "export", "src", check=True).stdout


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device to export to: as root a private node of the same
    device (1, minor) in tmp_path, so that a regression replaces that node and
    never the system's own /dev/full or /dev/null; as anyone else the system's
    (which only root could replace)."""
    if os.geteuid() != 0:
        return Path("/dev", name)
    node = tmp_path / name
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except OSError as exc:
        pytest.skip(f"root here cannot make a device node ({exc.strerror}), and /dev/{name} must not be risked")
    return node


def _same_device(path: Path, before: os.stat_result) -> bool:
    after = os.lstat(path)
    return stat.S_ISCHR(after.st_mode) and (after.st_rdev, after.st_ino) == (before.st_rdev, before.st_ino)


def test_export_refuses_a_device_and_leaves_it_a_device(user, exported, tmp_path):
    full = _device(tmp_path, "full", 7)
    before = os.lstat(full)
    proc = cli(user, "export", "src", "-o", str(full))
    assert proc.returncode != 0 and one_line(proc.stderr) and "device" in proc.stderr
    assert _same_device(full, before)


def test_export_writes_to_the_null_device_as_a_stream(user, exported, tmp_path):
    null = _device(tmp_path, "null", 3)
    before = os.lstat(null)
    cli(user, "export", "src", "-o", str(null), check=True)
    assert _same_device(null, before)


def test_export_writes_to_a_fifo_as_a_stream(user, exported, tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    # Opening blocks until envwrap opens the other end; a daemon, so that a
    # regression (the FIFO replaced, never opened) fails instead of hanging.
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    proc = cli(user, "export", "src", "-o", str(fifo), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    reader.join(60)
    assert got == [exported]


def test_export_keeps_an_existing_files_mode_and_makes_a_new_one_private(user, exported, tmp_path):
    kept = tmp_path / "kept.toml"
    kept.write_text("old\n")
    kept.chmod(0o600)
    cli(user, "export", "src", "-o", str(kept), check=True)
    assert kept.read_text(encoding="utf-8") == exported and stat.S_IMODE(kept.stat().st_mode) == 0o600
    shared = tmp_path / "shared.toml"
    shared.write_text("old\n")
    shared.chmod(0o664)
    cli(user, "export", "src", "-o", str(shared), check=True)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    new = tmp_path / "new.toml"
    cli(user, "export", "src", "-o", str(new), check=True)
    assert "TOKEN" in new.read_text(encoding="utf-8") and stat.S_IMODE(new.stat().st_mode) == 0o600
    proc = cli(user, "export", "src", "-o", str(tmp_path))
    assert proc.returncode != 0 and one_line(proc.stderr) and "directory" in proc.stderr


# ----------------------------------------------------------------- concurrent add2virtualenv

# A real envwrap process, its modules imported, that waits at a barrier: it says
# "ready" and runs `envwrap ARGS...` once it reads a line.
_AT_BARRIER = ("import sys\n"
               "from envwrap import cli\n"
               "from envwrap.core import staging\n"
               "from envwrap.env import sitepackages\n"
               "print('ready', flush=True)\n"
               "sys.stdin.readline()\n"
               "sys.exit(cli.main(sys.argv[1:]))\n")


def test_concurrent_add2virtualenv_loses_no_directory(user, tmp_path):
    import subprocess

    from envwrap.env import sitepackages

    env = new_env(user, "src")
    run_env = dict(user, VIRTUAL_ENV=str(env))
    pth = Path(sitepackages.site_packages(str(env))) / sitepackages.PATH_EXTENSIONS
    for trial in range(30):
        dirs = [tmp_path / f"d{trial}-{i}" for i in range(4)]
        procs = [subprocess.Popen([sys.executable, "-c", _AT_BARRIER, "add-path", str(d)], env=run_env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for d in dirs]
        for p in procs:  # all four imported and waiting
            assert p.stdout.readline() == "ready\n"
        for p in procs:  # then released together
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        entries = pth.read_text(encoding="utf-8").splitlines()
        missing = [str(d) for d in dirs if str(d) not in entries]
        assert not missing, f"trial {trial}: lost {missing}"


@pytest.mark.parametrize("verb", ["cp", "mv"])
def test_a_copy_keeps_no_link_into_its_source(verb, user, tmp_path):
    """An absolute link to a file of the env itself names the same file of
    the copy (writing through it must not change the source), and a link
    elsewhere (the base interpreter) is kept as it is."""
    env = new_env(user, "src")
    (env / "data.txt").write_text("mine\n")
    (env / "alias").symlink_to(env / "data.txt")
    (env / "share").mkdir(exist_ok=True)
    (env / "share" / "dir-alias").symlink_to(env / "bin")
    (env / "elsewhere").symlink_to(tmp_path)
    cli(user, verb, "src", "dst", check=True)
    dst = env.parent / "dst"
    assert os.readlink(dst / "alias") == str(dst / "data.txt")
    assert os.readlink(dst / "share" / "dir-alias") == str(dst / "bin")
    assert os.readlink(dst / "elsewhere") == str(tmp_path)
