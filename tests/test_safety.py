"""Never run a user's text, never lose an environment.

Names that are refused everywhere; creation that is atomic under SIGKILL, SIGINT,
failing installs and races; removal that never follows a link out of
WORKON_HOME; broken and damaged environments reported in one line; no
traceback for any bad argument; the user's shell options respected.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from envwrap import commands, envs, home, layout, names, staging
from envwrap.errors import UserError
from envwrap.errors import one_line as escaped

from conftest import FAILING_COMMANDS, make_wheel, require_shell
from shells import Shell

q = Shell.quote
BASE_PY = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
LINUX = sys.platform.startswith("linux")


# ----------------------------------------------------------------- helpers


def run(envwrap_exe, env, *args, timeout=120, **kw):
    return subprocess.run([str(envwrap_exe), *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout, **kw)


def one_line(stderr: str) -> bool:
    """Exactly one line, envwrap's, and no traceback."""
    return stderr.startswith("envwrap: ") and stderr.count("\n") == 1 and stderr.endswith("\n") \
        and "Traceback" not in stderr


def snapshot(root: Path, mtimes: bool = False) -> list[tuple]:
    """Everything under root (hidden included): path, kind, mode, size (and the
    modification time, with ``mtimes``), content digest."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            st = os.lstat(path)
            if path.is_symlink():
                found.append((str(path), "link", os.readlink(path)))
            elif path.is_dir():
                found.append((str(path), "dir", st.st_mode))
            else:
                found.append((str(path), "file", st.st_mode, st.st_size, st.st_mtime_ns if mtimes else None,
                              hashlib.sha256(path.read_bytes()).hexdigest()))
    return sorted(found)


def changes(before: list[tuple], after: list[tuple]) -> list[tuple]:
    """What differs, apart from the (empty, never listed) lock files of names."""
    return sorted(e for e in set(before) ^ set(after) if "/.envwrap/locks/" not in e[0])


def stage_entries(workon_home: Path) -> list[str]:
    base = workon_home / ".envwrap"
    out = []
    for sub in ("staging", "trash"):
        try:
            out += [f"{sub}/{e}" for e in os.listdir(base / sub)]
        except FileNotFoundError:
            pass
    return out


def wait_until(condition, proc: subprocess.Popen, timeout: float = 60) -> bool:
    """Poll ``condition`` until true; False if ``proc`` ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
        time.sleep(0.003)
    raise AssertionError("timed out")


def pip_child(pid: int) -> bool:
    """Whether a pip process runs as a child of ``pid`` (Linux /proc)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            if ppid != pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if b"pip" in fh.read():
                    return True
        except (OSError, ValueError, IndexError):
            continue
    return False


@pytest.fixture
def bash(user, tmp_path, envwrap_exe):
    require_shell("bash")
    shell = Shell("bash", user, cwd=tmp_path)
    shell.ok(f'eval "$({q(str(envwrap_exe))} init bash)"')
    yield shell
    shell.close()


@pytest.fixture
def warm_seed(user, envwrap_exe, seed_cache, tmp_path):
    """The session's pip seed cache, filled: later creations only copy pip."""
    if not list(seed_cache.glob("seed/*/site")):
        env = dict(user, WORKON_HOME=str(tmp_path / "warm-up"))
        (tmp_path / "warm-up").mkdir()  # a WORKON_HOME the user sets must exist
        proc = run(envwrap_exe, env, "new", "warm")
        assert proc.returncode == 0, proc.stderr
        shutil.rmtree(tmp_path / "warm-up")
    return seed_cache


# ----------------------------------------------------------------- names

REFUSED = ["", "/", ".", "..", "-x", "--", ".hidden", "a/b", "../x", "a\nb", "a\rb", "x" * 256,
           "é" * 128,  # 128 characters, 256 bytes
           # every other line break of str.splitlines: pyvenv.cfg is read line by line
           "a\x0bhome = x", "a\x0cb", "a\x1cb", "a\x1db", "a\x1eb", "a\x85b", "a\u2028b", "a\u2029b",
           # the PATH separator: activation would put ./bin on PATH for 'x:.'
           "x:.", "a:b"]


def test_refused_names_everywhere_one_line_nothing_changed(user, envwrap_exe, tmp_path):
    home_dir, projects = Path(user["WORKON_HOME"]), Path(user["PROJECT_HOME"])
    assert run(envwrap_exe, user, "new", "--without-pip", "e1").returncode == 0
    before = snapshot(tmp_path)
    calls = []
    for bad in REFUSED:
        # after "--", so that names like "-x" reach the name check, not the option parser
        calls += [["new", "--without-pip", "--", bad], ["rm", "--", bad], ["cp", "e1", "--", bad],
                  ["sh", "bash", "mkvirtualenv", "--without-pip", "--", bad],
                  ["sh", "fish", "workon", "--", bad], ["sh", "zsh", "mkproject", "--without-pip", "--", bad]]
    with ThreadPoolExecutor(4) as pool:
        # in tmp_path: `workon .` reads the nearest .venv, and a checkout has one
        results = list(pool.map(lambda argv: (argv, run(envwrap_exe, user, *argv, cwd=tmp_path)), calls))
    for argv, proc in results:
        assert proc.returncode != 0 and proc.stdout == "", (argv, proc)
        assert one_line(proc.stderr), (argv, proc.stderr)
    assert snapshot(tmp_path) == before
    assert sorted(os.listdir(projects)) == [] and envs.listing(home_dir) == ["e1"]


def test_longest_name_is_accepted(user, envwrap_exe):
    name = "é" * 127 + "x"  # 255 bytes
    proc = run(envwrap_exe, user, "new", "--without-pip", name)
    assert proc.returncode == 0, proc.stderr
    assert run(envwrap_exe, user, "ls").stdout == name + "\n"
    assert run(envwrap_exe, user, "rm", name).returncode == 0


def test_nul_is_refused_by_every_backend_entry(user, monkeypatch, tmp_path):
    """A shell cannot pass NUL; the backend functions refuse it themselves."""
    for key, value in user.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setattr(home, "_config_cache", None)
    root = Path(user["WORKON_HOME"])
    envs.create("e1", envs.CreateOptions(without_pip=True))
    before = snapshot(tmp_path)
    bad = "a\0b"
    entries = [
        names.validate,
        lambda n: envs.check_new_name(root, n),
        envs.path_of,
        envs.remove,
        lambda n: envs.create(n, envs.CreateOptions(without_pip=True)),
        lambda n: envs.copy("e1", n),
        lambda n: envs.copy(n, "x"),
        lambda n: envs.repair(n, None),
        lambda n: commands.workon("bash", [n]),
        lambda n: commands.mkvirtualenv("bash", ["--without-pip", n]),
        lambda n: commands.mkproject("bash", ["--without-pip", n]),
    ]
    for entry in entries:
        with pytest.raises(UserError):  # not ValueError("embedded null byte") from the OS layer
            entry(bad)
    assert snapshot(tmp_path) == before


def _case_insensitive(tmp: Path) -> bool:
    probe = tmp / "CaseProbe"
    probe.mkdir()
    try:
        return (tmp / "caseprobe").exists()
    finally:
        probe.rmdir()


@pytest.fixture
def case_insensitive_dir(tmp_path):
    """A directory on a real case-insensitive file system: the temporary
    directory when it is one (macOS, Windows), else a FAT image mounted with
    fusefat (Linux; needs dosfstools, fusefat and /dev/fuse)."""
    if _case_insensitive(tmp_path):
        yield tmp_path
        return
    missing = [t for t in ("mkfs.vfat", "fusefat", "fusermount") if shutil.which(t) is None]
    if missing or not os.path.exists("/dev/fuse"):
        why = (f"no case-insensitive file system here: {', '.join(missing) or '/dev/fuse'} missing "
               "(apt-get install dosfstools fusefat)")
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    image, mount = tmp_path / "fat.img", tmp_path / "fat"
    with open(image, "wb") as fh:
        fh.truncate(32 << 20)
    subprocess.run(["mkfs.vfat", str(image)], check=True, capture_output=True)
    mount.mkdir()
    log = tmp_path / "fusefat.log"
    with open(log, "wb") as fh:  # fusefat stays in the background: no pipes to wait on
        status = subprocess.call(["fusefat", "-o", "rw+", str(image), str(mount)],
                                 stdin=subprocess.DEVNULL, stdout=fh, stderr=fh)
    if status != 0 or not os.path.ismount(mount):
        why = f"cannot mount a FAT image with fusefat: {log.read_text(errors='replace').strip()[-300:]}"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    try:
        assert _case_insensitive(mount)
        yield mount
    finally:
        if subprocess.call(["fusermount", "-u", str(mount)], stderr=subprocess.DEVNULL) != 0:
            subprocess.call(["fusermount", "-uz", str(mount)])


def test_case_only_difference_refused_on_a_case_insensitive_fs(user, envwrap_exe, case_insensitive_dir):
    """'foo' when 'Foo' exists: the file system finds Foo under either name, and
    envwrap says so, naming the existing spelling; nothing changes."""
    root = case_insensitive_dir / "envs"
    (root / "Foo").mkdir(parents=True)  # by hand: venv cannot make its symlinks on FAT
    (root / "Foo" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    env = dict(user, WORKON_HOME=str(root))
    before = snapshot(root)
    for variant in ("foo", "FOO", "fOo"):
        proc = run(envwrap_exe, env, "new", "--without-pip", variant)
        assert proc.returncode != 0 and one_line(proc.stderr), proc.stderr
        assert f"'{variant}' differs from existing 'Foo' only in case" in proc.stderr
    proc = run(envwrap_exe, env, "new", "--without-pip", "Foo")
    assert proc.returncode != 0 and one_line(proc.stderr) and "already exists" in proc.stderr
    assert envs.listing(root) == ["Foo"]
    assert snapshot(root) == before


# ----------------------------------------------------------------- atomic creation


@pytest.mark.skipif(not LINUX, reason="finds the pip child through /proc")
def test_sigkill_at_any_moment_leaves_nothing_visible(user, envwrap_exe, tmp_path, warm_seed):
    home_dir = Path(user["WORKON_HOME"])
    wheel = make_wheel(tmp_path, "killprobe", "1.0")
    # pip, not uv: the "pip" moment needs an install that lasts long enough to be hit
    env = dict(user, PIP_NO_INDEX="1", ENVWRAP_INSTALLER="pip")
    moments: list = [0.05, 0.2, 0.5, "staged", "pip"]
    for i, moment in enumerate(moments):
        name = f"victim {i}"
        proc = subprocess.Popen([str(envwrap_exe), "new", "-i", str(wheel), name], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        if moment == "staged":
            caught = wait_until(lambda n=name: bool(list(home_dir.glob(f".envwrap/staging/*/{n}"))), proc)
        elif moment == "pip":
            caught = wait_until(lambda pid=proc.pid: pip_child(pid), proc)
        else:
            time.sleep(moment)
            caught = proc.poll() is None
        if isinstance(moment, str):
            assert caught, f"the kill at {moment!r} came too late"
        finished = proc.poll()
        os.killpg(proc.pid, signal.SIGKILL)  # kill -9 of the whole job, pip included
        proc.wait()
        listed = run(envwrap_exe, user, "ls").stdout.splitlines()
        if finished == 0:
            # it finished before the kill: then it must be whole
            assert name in listed and (home_dir / name / "bin" / "pip").exists()
            assert list((home_dir / name).glob("lib/python*/site-packages/killprobe.py"))
        else:
            assert name not in listed
            assert not os.path.lexists(home_dir / name)
            assert run(envwrap_exe, user, "path", name).returncode != 0
            leftovers = stage_entries(home_dir)
            if moment in ("staged", "pip"):
                assert leftovers, "killed while building, so something is left to sweep"
            doctor = run(envwrap_exe, user, "doctor")
            for leftover in leftovers:
                assert leftover.split("/")[1] in doctor.stdout, doctor.stdout
        # the next command that creates (or doctor --fix) sweeps what the killed one left
        if i % 2 == 0:
            assert run(envwrap_exe, user, "new", "--without-pip", f"other {i}").returncode == 0
        else:
            assert run(envwrap_exe, user, "doctor", "--fix").returncode == 0
        assert stage_entries(home_dir) == []
    assert not set(envs.listing(home_dir)) - {f"other {i}" for i in range(0, len(moments), 2)} - {
        f"victim {i}" for i in range(len(moments))}


@pytest.mark.skipif(not LINUX, reason="finds the pip child through /proc")
@pytest.mark.parametrize("moment", ["staged", "pip"])
def test_sigint_cleans_up_and_says_one_line(user, envwrap_exe, tmp_path, warm_seed, moment):
    home_dir = Path(user["WORKON_HOME"])
    wheel = make_wheel(tmp_path, "intprobe", "1.0")
    env = dict(user, PIP_NO_INDEX="1", ENVWRAP_INSTALLER="pip")  # as above: an install slow enough to hit
    name = "interrupted"
    proc = subprocess.Popen([str(envwrap_exe), "new", "-i", str(wheel), name], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            # as from an interactive shell, even if this test runs with SIGINT ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    if moment == "staged":
        assert wait_until(lambda: bool(list(home_dir.glob(f".envwrap/staging/*/{name}"))), proc)
        os.kill(proc.pid, signal.SIGINT)  # envwrap alone, while it builds in-process
    else:
        assert wait_until(lambda: pip_child(proc.pid), proc)
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole foreground job
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    # pip may say what it likes about its own interruption; envwrap has one line, the last
    assert not [line for line in err.splitlines() if "/envwrap/" in line and "File " in line], err
    ours = [line for line in err.splitlines() if line.startswith("envwrap:")]
    assert ours == ["envwrap: interrupted; nothing was left half-made"], err
    assert err.splitlines()[-1] == ours[0]
    # cleaned up by the interrupted process itself, before any sweep
    assert stage_entries(home_dir) == []
    assert not os.path.lexists(home_dir / name)
    assert run(envwrap_exe, user, "ls").stdout == ""


def test_failed_requirements_leave_no_stage_and_free_the_name(user, envwrap_exe, tmp_path, warm_seed):
    home_dir = Path(user["WORKON_HOME"])
    req = tmp_path / "requirements.txt"
    req.write_text("no-such-package-envwrap-test==1.0\n")
    proc = run(envwrap_exe, dict(user, PIP_NO_INDEX="1"), "new", "-r", str(req), "needs-pkg")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    ours = [line for line in proc.stderr.splitlines() if line.startswith("envwrap:")]
    assert len(ours) == 1 and ours[0].startswith("envwrap: pip install") and proc.stderr.endswith(ours[0] + "\n")
    assert stage_entries(home_dir) == [] and not os.path.lexists(home_dir / "needs-pkg")
    assert run(envwrap_exe, user, "ls").stdout == ""
    # no lock left behind: the name can be created right away
    assert run(envwrap_exe, user, "new", "--without-pip", "needs-pkg").returncode == 0


GATE = ("import os, sys, time; time.sleep(max(0.0, float(sys.argv[1]) - time.time())); "
        "os.execv(sys.argv[2], sys.argv[2:])")


def test_concurrent_creation_of_one_name(user, envwrap_exe):
    """2-4 processes create one name at the same instant: one wins, the others
    are told in one line, and the environment is complete."""
    home_dir = Path(user["WORKON_HOME"])
    for round_, count in enumerate((2, 4, 4, 3)):
        name = f"same {round_}"
        start = time.time() + 0.4  # every process leaves the gate at this instant
        procs = [subprocess.Popen([sys.executable, "-c", GATE, str(start), str(envwrap_exe), "new",
                                   "--without-pip", name], env=user, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(count)]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        winners = [r for r in results if r[0] == 0]
        assert len(winners) == 1, results
        for status, err in results:
            if status != 0:
                assert one_line(err), err
                assert "already exists" in err or "being created" in err, err
        env = home_dir / name
        py = subprocess.run([str(env / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                            capture_output=True, text=True)
        assert py.stdout.strip() == str(env)
        assert (env / "bin" / "activate").is_file()
        assert stage_entries(home_dir) == []
    assert len(envs.listing(home_dir)) == 4


SLOW_CREATOR = """#!/bin/sh
# a creator that makes the env in the stage, then waits for the test to let go
for target; do :; done
{python} -m venv --without-pip "$target" || exit 1
while [ ! -e "$T_RELEASE" ]; do sleep 0.02; done
"""


def test_creation_in_progress_is_never_visible(user, envwrap_exe, tmp_path, bash):
    home_dir = Path(user["WORKON_HOME"])
    creator = tmp_path / "slow-creator"
    creator.write_text(SLOW_CREATOR.format(python=q(BASE_PY)))
    creator.chmod(0o755)
    release = tmp_path / "release"
    name = "slow one"
    proc = subprocess.Popen(
        [str(envwrap_exe), "new", "--without-pip", name],
        env=dict(user, VIRTUALENVWRAPPER_VIRTUALENV=str(creator), T_RELEASE=str(release)),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: bool(list(home_dir.glob(f".envwrap/staging/*/{name}/pyvenv.cfg"))), proc)
        (staged,) = home_dir.glob(f".envwrap/staging/*/{name}")
        for _ in range(5):
            assert run(envwrap_exe, user, "ls").stdout == ""
            assert json.loads(run(envwrap_exe, user, "ls", "--json").stdout)["environments"] == []
            assert bash.ok("lsvirtualenv -b").stdout == ""
            assert bash.ok("workon").stdout == ""
            r = bash.run(f"workon {q(name)}")
            assert r.status != 0 and one_line(r.stderr) and bash.var("VIRTUAL_ENV") is None
            p = run(envwrap_exe, user, "path", name)
            assert p.returncode != 0 and one_line(p.stderr)
        # a second creation of the name is told, in one line
        second = run(envwrap_exe, user, "new", "--without-pip", name)
        assert second.returncode != 0 and one_line(second.stderr) and "being created" in second.stderr
        r = bash.run(f"mkvirtualenv --without-pip {q(name)}")
        assert r.status != 0 and one_line(r.stderr) and bash.var("VIRTUAL_ENV") is None
        # sweeping (another creation, doctor --fix) leaves work in progress alone
        assert run(envwrap_exe, user, "new", "--without-pip", "bystander").returncode == 0
        doctor = run(envwrap_exe, user, "doctor", "--fix")
        assert "leftover" not in doctor.stdout and str(staged) not in doctor.stdout
        assert (staged / "pyvenv.cfg").is_file()
        assert proc.poll() is None
    finally:
        release.touch()
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == str(home_dir / name)
    assert bash.ok("lsvirtualenv -b").lines == ["bystander", name]
    assert stage_entries(home_dir) == []


# ----------------------------------------------------------------- the staging area itself


class LockfMsvcrt:
    """The part of Windows's msvcrt that staging uses, over POSIX byte-range
    locks (lockf): like msvcrt's, they lock bytes from the current position,
    belong to the process, end with it, and a refusal is EACCES. So the
    Windows code path runs here against locks really held by other processes
    (which is why the holder below is a separate process)."""

    LK_UNLCK, LK_LOCK, LK_NBLCK = 0, 1, 2  # msvcrt's values

    def __init__(self):
        self.calls: list[tuple[int, int, int]] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        self.calls.append((os.lseek(fd, 0, os.SEEK_CUR), mode, nbytes))
        assert mode == self.LK_NBLCK, "LK_LOCK gives up after 10 s; staging must not use it"
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, nbytes, 0, os.SEEK_CUR)
        except OSError:
            raise OSError(13, "Permission denied") from None


HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0)
print("held", flush=True)
sys.stdin.read()
"""


def test_locks_are_real_on_windows_too(tmp_path, monkeypatch):
    """POSIX locks with flock, as before; Windows with msvcrt.locking, which
    refuses a lock held by another process (never the old always-granted
    lock), and waits for it when asked to block."""
    import functools

    assert fcntl is not None and staging._lock is staging._flock
    fake = LockfMsvcrt()
    monkeypatch.setattr(staging, "_lock", functools.partial(staging._msvcrt_lock, msvcrt=fake))
    lock = staging.NameLock(tmp_path, "x").path  # the lock of the name 'x'
    lock.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert staging._lock_fd(lock, blocking=False) is None  # held elsewhere: refused
        with pytest.raises(UserError, match="being created or removed"):
            with staging.NameLock(tmp_path, "x"):
                pass  # pragma: no cover
        got: list = []
        waiter = threading.Thread(target=lambda: got.append(staging._lock_fd(lock, blocking=True)))
        waiter.start()
        time.sleep(0.4)
        assert waiter.is_alive() and not got  # waits while it is held ...
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    waiter.join(timeout=10)
    assert got and got[0] is not None  # ... and gets it once the holder has gone
    os.close(got[0])
    assert all(pos == 0 and nbytes == 1 for pos, _, nbytes in fake.calls), fake.calls


def test_stage_survives_a_sweeper_that_locked_it_first(tmp_path, monkeypatch):
    """A sweeper can lock a stage between its mkdir and its builder's lock, and
    delete it; the builder must then not carry on with a lock on a deleted file."""
    home_dir = tmp_path / "envs"
    home_dir.mkdir()
    real = staging._lock_fd
    intercepted: list[Path] = []

    def racing(path: Path, blocking: bool):
        if blocking and not intercepted:
            intercepted.append(path)
            sweeper_fd = real(path, blocking=False)  # the sweeper got there first
            assert sweeper_fd is not None

            def sweep_it():
                time.sleep(0.3)  # meanwhile the builder opened the same lock file and waits
                shutil.rmtree(path.parent)
                os.close(sweeper_fd)

            thread = threading.Thread(target=sweep_it)
            thread.start()
            try:
                return real(path, blocking)
            finally:
                thread.join()
        return real(path, blocking)

    monkeypatch.setattr(staging, "_lock_fd", racing)
    with staging.Stage(home_dir) as stage:
        assert intercepted
        assert stage.dir.is_dir()
        monkeypatch.setattr(staging, "_lock_fd", real)
        staging.sweep(home_dir)  # its lock is really held: sweeping leaves it alone
        assert stage.dir.is_dir()
        assert staging.leftovers(home_dir) == []
    assert stage_entries(home_dir) == []


def test_sweep_spares_a_stage_remade_after_it_opened_the_lock(tmp_path, monkeypatch):
    home_dir = tmp_path / "envs"
    stage_dir = home_dir / ".envwrap" / "staging" / "0123456789abcdef"
    stage_dir.mkdir(parents=True)
    lock = stage_dir / ".lock"
    lock.touch()
    stale = os.open(lock, os.O_RDWR)  # a sweeper opens the lock file...
    lock.unlink()  # ...another one removes it...
    live = staging._lock_fd(lock, blocking=True)  # ...and a builder makes and locks a new one
    real = staging._lock_fd

    def late(path: Path, blocking: bool):
        if path == lock:
            fcntl.flock(stale, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the stale file is free
            return stale
        return real(path, blocking)

    monkeypatch.setattr(staging, "_lock_fd", late)
    try:
        staging.sweep(home_dir)
        assert lock.exists() and stage_dir.is_dir()
    finally:
        os.close(live)


def _as_unprivileged(fn) -> None:
    """Run fn where permissions apply: as is, or (as root) in a child as nobody."""
    if os.geteuid() != 0:
        fn()
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            fn()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX permissions")
def test_removal_opens_up_read_only_dirs_but_never_what_links_point_to(tmp_path):
    if os.geteuid() == 0:
        base = Path(tempfile.mkdtemp(prefix="envwrap-perm-"))  # reachable by nobody
        base.chmod(0o755)
    else:
        base = tmp_path
    try:
        home_dir = base / "envs"
        env = home_dir / "ro env"
        outside = base / "outside"
        (env / "lib" / "ro" / "deeper").mkdir(parents=True)
        outside.mkdir()
        (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
        (outside / "precious.txt").write_text("keep me")
        (outside / "precious.txt").chmod(0o640)
        outside.chmod(0o750)
        (env / "lib" / "ro" / "file-link").symlink_to(outside / "precious.txt")
        (env / "lib" / "ro" / "dir-link").symlink_to(outside)
        (env / "lib" / "ro" / "deeper" / "x").write_text("x")
        (env / "lib" / "ro" / "deeper" / "link").symlink_to(outside)
        if os.geteuid() == 0:
            for p in [base, home_dir, outside, outside / "precious.txt", *env.parent.rglob("*")]:
                os.lchown(p, 65534, 65534)
        (env / "lib" / "ro" / "deeper").chmod(0o500)
        (env / "lib" / "ro").chmod(0o555)  # as some build tools leave their trees
        before = snapshot(outside) + [("outside", oct(outside.stat().st_mode))]
        _as_unprivileged(lambda: staging.discard(env, home_dir))
        assert snapshot(outside) + [("outside", oct(outside.stat().st_mode))] == before
        assert (outside / "precious.txt").read_text() == "keep me"
        assert not os.path.lexists(env)
        assert stage_entries(home_dir) == [], "the environment was left in the trash"
    finally:
        if base != tmp_path:
            shutil.rmtree(base, ignore_errors=True)  # root: permissions do not apply
        elif os.path.isdir(env / "lib" / "ro"):
            staging._rmtree_here(env)  # let pytest clean up even if the test failed


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
    proc = run(envwrap_exe, dict(user, WORKON_HOME=str(elsewhere)), "new", "--without-pip", "target env")
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
    proc = run(envwrap_exe, dict(user, PIP_NO_INDEX="1"), "new", "-i", str(wheel), "one")
    assert proc.returncode == 0, proc.stderr
    assert run(envwrap_exe, user, "cp", "one", "two").returncode == 0

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
        proc = run(envwrap_exe, env, *argv, cwd=tmp_path)
        assert proc.returncode != 0 and one_line(proc.stderr), (argv, proc.stderr)
    assert not log.exists(), log.read_text()
    assert snapshot(notenv) == before


# ----------------------------------------------------------------- broken environments


@pytest.fixture
def vanished_base(user, envwrap_exe, tmp_path):
    """An env 'br' whose base interpreter (a symlink in a temp dir) is gone."""
    fakebase = tmp_path / "fakebase"
    fakebase.mkdir()
    (fakebase / "python3").symlink_to(BASE_PY)
    proc = run(envwrap_exe, user, "new", "-p", str(fakebase / "python3"), "--creator", "venv",
               "--without-pip", "br")
    assert proc.returncode == 0, proc.stderr
    shutil.rmtree(fakebase)
    return Path(user["WORKON_HOME"]) / "br"


def test_env_whose_base_python_vanished_is_reported(vanished_base, bash, user, envwrap_exe):
    data = {d["name"]: d for d in json.loads(run(envwrap_exe, user, "ls", "--json").stdout)["environments"]}
    assert data["br"]["broken"] and "gone" in data["br"]["broken"]
    long = bash.ok("lsvirtualenv -l").stdout
    assert "status:  BROKEN: " in long and "Traceback" not in long
    # workon refuses in one line naming the way out, and changes nothing ...
    path_before = bash.var("PATH")
    r = bash.run("workon br")
    assert r.status != 0 and one_line(r.stderr) and "envwrap repair br" in r.stderr
    assert bash.var("VIRTUAL_ENV") is None and bash.var("PATH") == path_before
    # ... also when another env is active: it stays active
    bash.ok("mkvirtualenv --without-pip good")
    path_good = bash.var("PATH")
    r = bash.run("workon br")
    assert r.status != 0 and one_line(r.stderr)
    assert bash.var("VIRTUAL_ENV") == str(vanished_base.parent / "good") and bash.var("PATH") == path_good
    bash.ok("deactivate")
    doctor = run(envwrap_exe, user, "doctor")
    assert doctor.returncode != 0
    assert [line for line in doctor.stdout.splitlines() if "'br'" in line and "broken" in line]
    assert "envwrap repair br" in doctor.stdout


def test_repair_brings_back_an_env_whose_base_python_vanished(vanished_base, user, envwrap_exe):
    proc = run(envwrap_exe, user, "repair", "br", "-p", BASE_PY)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(run(envwrap_exe, user, "ls", "--json").stdout)["environments"]
    assert data[0]["broken"] is None
    py = subprocess.run([str(vanished_base / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                        capture_output=True, text=True)
    assert py.stdout.strip() == str(vanished_base)


# ----------------------------------------------------------------- damaged files


def test_corrupt_config_is_one_line_naming_it(user, envwrap_exe, bash, tmp_path):
    cfg = tmp_path / "conf dir" / "bad.toml"
    cfg.parent.mkdir()
    unset = {k: v for k, v in user.items() if k != "WORKON_HOME"}
    data_dir = Path(user["HOME"]) / ".local" / "share"
    before = snapshot(data_dir)
    for content in (b"workon_home = [unclosed\n", b"\xff\xfe garbage \x00", b"workon_home = 5\n"):
        cfg.write_bytes(content)
        proc = run(envwrap_exe, dict(unset, ENVWRAP_CONFIG=str(cfg)), "ls")
        assert proc.returncode != 0 and one_line(proc.stderr) and str(cfg) in proc.stderr, proc.stderr
    # in bash, WORKON_HOME unset: the config decides where envs live
    cfg.write_bytes(b"workon_home = [unclosed\n")
    bash.ok(f"unset WORKON_HOME; export ENVWRAP_CONFIG={q(str(cfg))}")
    for command in ("workon x", "mkvirtualenv --without-pip x", "showvirtualenv x", "rmvirtualenv x"):
        r = bash.run(command)
        assert r.status != 0 and one_line(r.stderr) and str(cfg) in r.stderr, (command, r.stderr)
        assert bash.var("VIRTUAL_ENV") is None
    # the XDG location, named the same way
    xdg = Path(user["XDG_CONFIG_HOME"]) / "envwrap" / "config.toml"
    xdg.parent.mkdir(parents=True)
    xdg.write_text('creator = "venv"\nworkon_home = \n')
    bash.ok("unset ENVWRAP_CONFIG")
    r = bash.run("workon x")
    assert r.status != 0 and one_line(r.stderr) and str(xdg) in r.stderr, r.stderr
    # WORKON_HOME set: the config is still read for the creator
    bash.ok(f"WORKON_HOME={q(str(tmp_path / 'envs'))}; unset ENVWRAP_CREATOR")
    r = bash.run("mkvirtualenv --without-pip y")
    assert r.status != 0 and one_line(r.stderr) and str(xdg) in r.stderr, r.stderr
    assert not os.path.lexists(tmp_path / "envs" / "y")
    assert snapshot(data_dir) == before


def test_garbage_pyvenv_cfg_is_listed_as_broken(user, envwrap_exe, bash, tmp_path):
    home_dir = tmp_path / "envs"
    for name in ("garbage", "fine"):
        assert run(envwrap_exe, user, "new", "--without-pip", name).returncode == 0
    (home_dir / "garbage" / "pyvenv.cfg").write_bytes(b"\xff\xfe\x00\x01home = \x80\x81\n\xc3(")
    assert run(envwrap_exe, user, "ls").stdout == "fine\ngarbage\n"
    data = {d["name"]: d for d in json.loads(run(envwrap_exe, user, "ls", "--json").stdout)["environments"]}
    assert data["fine"]["broken"] is None
    assert "pyvenv.cfg" in data["garbage"]["broken"]
    for argv in (["ls", "-l"], ["show", "garbage"], ["doctor"]):
        proc = run(envwrap_exe, user, *argv)
        assert "Traceback" not in proc.stderr and proc.stderr in ("", "no problems found\n"), proc.stderr
        assert "garbage" in proc.stdout
    assert "status:  BROKEN:" in run(envwrap_exe, user, "show", "garbage").stdout
    r = bash.run("workon garbage")
    assert r.status != 0 and one_line(r.stderr) and "envwrap repair garbage" in r.stderr
    assert bash.var("VIRTUAL_ENV") is None
    bash.ok("workon fine")


def test_repair_of_an_unreadable_pyvenv_cfg(user, envwrap_exe, tmp_path):
    """Without -p, repair cannot tell which Python the env had: one line saying
    to name it, nothing changed. With -p, the env is whole again afterwards."""
    env = tmp_path / "envs" / "garbage"
    assert run(envwrap_exe, user, "new", "--without-pip", "garbage").returncode == 0
    (env / "pyvenv.cfg").write_bytes(b"\xff\xfe\x00garbage")
    before = snapshot(env)
    proc = run(envwrap_exe, user, "repair", "garbage")
    assert proc.returncode != 0 and one_line(proc.stderr) and "-p PYTHON" in proc.stderr, proc.stderr
    assert snapshot(env) == before
    proc = run(envwrap_exe, user, "repair", "garbage", "-p", BASE_PY)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(run(envwrap_exe, user, "ls", "--json").stdout)["environments"]
    assert [(d["name"], d["broken"]) for d in data] == [("garbage", None)]
    cfg = layout.read_cfg(env / "pyvenv.cfg")
    assert os.path.realpath(os.path.join(cfg["home"], os.path.basename(BASE_PY))) == BASE_PY
    py = subprocess.run([str(env / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                        capture_output=True, text=True)
    assert py.stdout.strip() == str(env)


def test_project_file_pointing_nowhere(user, envwrap_exe, bash, tmp_path):
    home_dir = tmp_path / "envs"
    assert run(envwrap_exe, user, "new", "--without-pip", "proj env").returncode == 0
    project_file = home_dir / "proj env" / ".project"
    project_file.write_text(str(tmp_path / "gone dir") + "\n")
    pwd = bash.var("PWD")
    r = bash.run("workon 'proj env'")
    assert r.status == 0
    assert one_line(r.stderr) and str(project_file) in r.stderr
    assert bash.var("VIRTUAL_ENV") == str(home_dir / "proj env") and bash.var("PWD") == pwd


def test_hook_that_is_not_executable_is_named(user, envwrap_exe, bash, tmp_path):
    home_dir = tmp_path / "envs"
    assert run(envwrap_exe, user, "new", "--without-pip", "e").returncode == 0
    ran = tmp_path / "RAN"
    for hook in ("preactivate", "premkvirtualenv"):
        (home_dir / hook).write_text(f"#!/bin/sh\ntouch {q(str(ran))}\n")
        (home_dir / hook).chmod(0o644)
    r = bash.run("workon e")
    assert r.status == 0 and bash.var("VIRTUAL_ENV") == str(home_dir / "e")
    assert one_line(r.stderr) and str(home_dir / "preactivate") in r.stderr and "executable" in r.stderr
    bash.ok("deactivate")
    r = bash.run("mkvirtualenv --without-pip f")
    assert str(home_dir / "premkvirtualenv") in r.stderr and "executable" in r.stderr
    assert not ran.exists()


# ----------------------------------------------------------------- no traceback, ever

BAD = {"none": [], "unknown option": ["--no-such-option"], "missing env": ["no-such-env"],
       "empty": [""], "newline": ["a\nb"], "slash": ["/"]}
# (verb, case) where the arguments are in fact fine, or would do real work
VALID_ANYWAY = {("ls", "none"), ("doctor", "none"), ("config", "none"), ("init", "none"),
                ("init", "empty"), ("new", "missing env"), ("demo", "none"), ("demo", "empty"),
                ("seed", "none"), ("pythons", "none")}


def _verbs(envwrap_exe, user) -> list[str]:
    usage = run(envwrap_exe, user, "--help").stdout
    verbs = [line.split()[0] for line in usage.splitlines() if line.startswith("  ") and line.strip()]
    return ["sh"] + verbs


def test_every_verb_with_bad_arguments(user, envwrap_exe):
    verbs = _verbs(envwrap_exe, user)
    assert {"ls", "new", "rm", "repair", "doctor"} <= set(verbs)
    calls = [(verb, case, [verb, *args]) for verb in verbs for case, args in BAD.items()
             if (verb, case) not in VALID_ANYWAY]
    calls += [(cmd, case, ["sh", shell, cmd, *args]) for cmd in commands.COMMANDS
              for shell in ("bash", "fish", "powershell") for case, args in BAD.items()
              if not (cmd == "workon" and case == "none") and not (cmd == "mktmpenv" and case == "none")
              and not (cmd in ("mkvirtualenv", "mkproject") and case == "missing env")]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: (c, run(envwrap_exe, user, *c[2], timeout=60)), calls))
    for (_, _case, argv), proc in results:
        assert "Traceback" not in proc.stderr, (argv, proc.stderr)
        assert proc.returncode != 0, (argv, proc.stdout)
        assert one_line(proc.stderr), (argv, proc.stderr)
        if argv[0] == "sh":
            assert proc.stdout == "", (argv, proc.stdout)  # no code for the shell to run
    assert envs.listing(Path(user["WORKON_HOME"])) == []
    helps = [[verb, "--help"] for verb in verbs if verb != "sh"]
    helps += [["sh", "bash", cmd, "--help"] for cmd in commands.COMMANDS]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda argv: (argv, run(envwrap_exe, user, *argv)), helps))
    for argv, proc in results:
        assert proc.returncode == 0 and "usage:" in proc.stdout + proc.stderr, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_sh_verb_has_help(user, envwrap_exe):
    proc = run(envwrap_exe, user, "sh", "--help")
    assert proc.returncode == 0 and "usage:" in proc.stdout + proc.stderr


BASH_FUNCTIONS = ("workon mkvirtualenv mktmpenv lsvirtualenv showvirtualenv rmvirtualenv cpvirtualenv "
                  "allvirtualenv cdvirtualenv cdsitepackages lssitepackages add2virtualenv "
                  "toggleglobalsitepackages wipeenv mkproject setvirtualenvproject cdproject mvvirtualenv").split()
FUNCTIONS_VALID_ANYWAY = {("workon", "none"), ("lsvirtualenv", "none"), ("lsvirtualenv", "empty"),
                          ("mkvirtualenv", "missing env"), ("mkproject", "missing env"),
                          ("mktmpenv", "none"), ("allvirtualenv", "none")}


def test_every_bash_function_with_bad_arguments_and_no_env_active(bash, user, envwrap_exe, tmp_path):
    assert run(envwrap_exe, user, "new", "--without-pip", "e1").returncode == 0
    defined = set(bash.ok("compgen -A function").lines)
    assert set(BASH_FUNCTIONS) <= defined
    pwd = bash.var("PWD")
    before = snapshot(tmp_path)
    for function in BASH_FUNCTIONS:
        for case, args in BAD.items():
            if (function, case) in FUNCTIONS_VALID_ANYWAY:
                continue
            command = " ".join([function, *(q(a) for a in args)])
            r = bash.run(command)
            assert r.status != 0, command
            assert "Traceback" not in r.stderr, (command, r.stderr)
            if function != "allvirtualenv":  # that one reports the command's own failure
                assert one_line(r.stderr), (command, r.stderr)
            assert bash.var("VIRTUAL_ENV") is None and bash.var("PWD") == pwd, command
            assert changes(before, snapshot(tmp_path)) == [], command


def test_shell_functions_help_is_shown_not_run(bash, tmp_path):
    pwd = bash.var("PWD")
    for function in ("workon", "mkvirtualenv", "mktmpenv", "cpvirtualenv", "mkproject",
                     "cdsitepackages", "cdproject"):
        r = bash.run(f"{function} --help")
        assert r.status == 0, (function, r)
        assert "usage:" in r.stdout + r.stderr
        assert "command not found" not in r.stderr and "syntax error" not in r.stderr, r.stderr
        assert bash.var("VIRTUAL_ENV") is None and bash.var("PWD") == pwd


# ----------------------------------------------------------------- the user's shell stays intact


def test_bash_set_e_sees_envwrap_failures_like_any_command(user, envwrap_exe, tmp_path):
    """Under `set -euo pipefail`: successes return 0 and the script goes on; a
    failing `workon missing` ends the script right there with status 1 and one
    line, as `false` would; in `||`, `if` and `!` contexts it is just a status."""
    require_shell("bash")
    script = f"""
set -euo pipefail
eval "$({q(str(envwrap_exe))} init bash)"
mkvirtualenv --without-pip 'a b'; echo "mk=$?"
deactivate; echo "de=$?"
workon 'a b'; echo "wo=$?"
cdvirtualenv bin; echo "cd=$?"
lssitepackages >/dev/null; echo "ls=$?"
deactivate
workon missing1 || echo "or=$?"
if workon missing2; then echo "if=0"; else echo "if=$?"; fi
! workon missing3; echo "not=$?"
echo before
workon missing4
echo NOT REACHED
"""
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], env=user, cwd=tmp_path,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["mk=0", "de=0", "wo=0", "cd=0", "ls=0", "or=1", "if=1", "not=0",
                                        "before"]
    lines = proc.stderr.splitlines()
    assert len(lines) == 4 and all(line.startswith("envwrap: environment 'missing") for line in lines), lines


SHELL_OPTIONS = {"bash": "set -u -o pipefail; shopt -s failglob nullglob",
                 "zsh": "setopt shwordsplit ksharrays nounset"}


def test_every_message_goes_where_the_caller_redirects_it(sh, tmp_path):
    """2>file, 2>/dev/null and 2>&1 | ... take every message of every command:
    its one line lands where the caller sent it, never on the terminal (the
    shell's own stderr) and never on stdout."""
    err = tmp_path / "err"
    for command in FAILING_COMMANDS:
        r = sh.run(f"{command} 2>{q(str(err))}")
        assert r.status != 0 and r.stdout == "" and r.stderr == "", (command, r)
        assert one_line(err.read_text()), (command, err.read_text())
        r = sh.run(f"{command} 2>/dev/null")
        assert r.status != 0 and r.stdout == "" and r.stderr == "", (command, r)
        r = sh.run(f"{command} 2>&1 | cat")
        assert one_line(r.stdout) and r.stderr == "", (command, r)
    # and the messages of commands that succeed
    r = sh.run(f"cd {q(str(tmp_path))} && mktmpenv --without-pip 2>{q(str(err))}")
    assert r.status == 0 and r.stdout == "" and r.stderr == "", r
    assert one_line(err.read_text()) and "temporary" in err.read_text()
    sh.ok("deactivate")


def test_status_is_meaningful_under_user_options(sh, tmp_path):
    home_dir = tmp_path / "envs"
    sh.ok(SHELL_OPTIONS[sh.kind])
    steps = [
        ("lsvirtualenv -b", True), ("workon", True), ("workon missing", False), ("cdvirtualenv", False),
        ("cdproject", False), ("lssitepackages", False),
        ("mkvirtualenv --without-pip 'a  b'", True), ("mkvirtualenv --without-pip 'a  b'", False),
        ("workon 'a  b'", True), ("cdvirtualenv bin", True), ("cdvirtualenv no-such-dir", False),
        ("cdsitepackages", True), ("cdsitepackages no-such-dir", False), ("lssitepackages", True),
        ("showvirtualenv", True), ("showvirtualenv missing", False), ("cdproject", False),
        ("toggleglobalsitepackages -q", True), ("add2virtualenv no-such-dir", True),
        ("add2virtualenv -d no-such-dir", True), ("add2virtualenv 'bad\nline'", False),
        ("deactivate", True), ("rmvirtualenv missing", False),
        ("mkproject --without-pip 'p  q'", True), ("cdproject", True), ("deactivate", True),
        ("allvirtualenv true", True), ("allvirtualenv false", False),
        ("rmvirtualenv 'a  b'", True), ("rmvirtualenv 'a  b'", False), ("lsvirtualenv -b", True),
    ]
    for command, succeeds in steps:
        r = sh.run(command)
        assert (r.status == 0) == succeeds, (command, r)
        assert "Traceback" not in r.stderr
        if command == "workon 'a  b'":
            assert sh.var("VIRTUAL_ENV") == str(home_dir / "a  b")
    assert sh.ok("lsvirtualenv -b").lines == ["p  q"]


# ----------------------------------------------------------------- what users see


def test_names_are_never_sent_raw_to_the_terminal(user, envwrap_exe, bash, tmp_path):
    name = "esc\x1b]0;owned title\x07\x1b[31mred"
    projects = tmp_path / "projects"
    r = bash.run(f"mkproject --without-pip {q(name)}")
    assert r.status == 0, r
    outputs = [r.stderr]
    outputs.append(bash.run(f"cd {q(str(projects / name))} && setvirtualenvproject").stderr)
    bash.ok("deactivate")
    outputs.append(bash.run(f"rmvirtualenv {q(name)}").stderr)
    for err in outputs:
        assert "\x1b" not in err and "\x07" not in err, repr(err)


def test_listings_for_people_escape_names_machine_formats_keep_them(user, envwrap_exe, bash, tmp_path):
    """showvirtualenv, lsvirtualenv -l, lssitepackages and envwrap doctor show a
    name's control characters escaped, on stdout too; ls, ls --json and path
    give it back exactly. One env is made by envwrap (it accepts ESC in a name),
    one by hand, as another tool could, with a newline envwrap would refuse."""
    made = "esc\x1b]0;owned title\x07\x1b[31mred\x9b2J"
    by_hand = "hand\nmade\x1b[2J"
    home_dir = tmp_path / "envs"
    assert run(envwrap_exe, user, "new", "--without-pip", made).returncode == 0
    (home_dir / by_hand).mkdir()
    (home_dir / by_hand / "pyvenv.cfg").write_text("home = /nowhere\nversion = 3.11.0\n")
    gone = tmp_path / "gone\x1b[5m project"
    (home_dir / made / ".project").write_text(str(gone) + "\n")
    raw = ("\x1b", "\x07", "\x9b")
    shown = {
        "showvirtualenv": bash.run(f"showvirtualenv {q(made)}"),
        "lsvirtualenv -l": bash.run("lsvirtualenv -l"),
        "lsvirtualenv": bash.run("lsvirtualenv"),
        "lssitepackages": bash.run(f"workon {q(made)} && lssitepackages; deactivate"),
    }
    doctor = run(envwrap_exe, user, "doctor")
    shown["doctor"] = doctor
    for what, result in shown.items():
        for text in (result.stdout, result.stderr):
            assert not any(c in text for c in raw), (what, text)
    long = shown["lsvirtualenv -l"].stdout
    for name in (made, by_hand):
        assert escaped(name) in long.splitlines(), long  # escaped, whole, on its own line
        assert "=" * len(escaped(name)) in long.splitlines()
    assert f"project: {escaped(str(gone))}" in shown["showvirtualenv"].stdout
    assert doctor.returncode != 0
    assert any(escaped(by_hand) in line and "broken" in line for line in doctor.stdout.splitlines())
    assert any(escaped(str(gone)) in line for line in doctor.stdout.splitlines())
    # machine formats: exact
    assert run(envwrap_exe, user, "ls").stdout == "\n".join(sorted([made, by_hand])) + "\n"
    assert sorted(e["name"] for e in json.loads(run(envwrap_exe, user, "ls", "--json").stdout)["environments"]) == \
        sorted([made, by_hand])
    assert run(envwrap_exe, user, "path", made).stdout == str(home_dir / made) + "\n"


def test_workon_home_with_path_separator_is_refused(user, envwrap_exe, tmp_path):
    if shutil.which("uv", path=user.get("PATH")) is None and not (Path(sys.executable).parent / "uv").exists():
        pytest.skip("uv is not installed (venv and virtualenv refuse such paths themselves)")
    wh = tmp_path / "home:."
    proc = run(envwrap_exe, dict(user, WORKON_HOME=str(wh)), "new", "--creator", "uv", "--without-pip", "x")
    assert proc.returncode != 0 and one_line(proc.stderr)


def test_pyvenv_cfg_read_as_python_reads_it(user, envwrap_exe, tmp_path):
    wh = tmp_path / "vt\x0bhome = nowhere"
    wh.mkdir()
    env = dict(user, WORKON_HOME=str(wh))
    assert run(envwrap_exe, env, "new", "--without-pip", "x").returncode == 0
    assert json.loads(run(envwrap_exe, env, "ls", "--json").stdout)["environments"][0]["broken"] is None

