"""Creation is atomic: under SIGKILL, SIGINT, failing installs and races an environment is
whole or absent; the staging area's locks and sweeper; removal of read-only trees.
"""

from __future__ import annotations

import fcntl
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
from pathlib import Path

import pytest

from envwrap.core import staging
from envwrap.core.errors import UserError
from envwrap.env import registry

from conftest import BASE_PY, LINUX, cli, make_wheel, one_line, pip_child, q, snapshot, stage_entries, wait_until

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
        listed = cli(user, "ls").stdout.splitlines()
        if finished == 0:
            # it finished before the kill: then it must be whole
            assert name in listed and (home_dir / name / "bin" / "pip").exists()
            assert list((home_dir / name).glob("lib/python*/site-packages/killprobe.py"))
        else:
            assert name not in listed
            assert not os.path.lexists(home_dir / name)
            assert cli(user, "path", name).returncode != 0
            leftovers = stage_entries(home_dir)
            if moment in ("staged", "pip"):
                assert leftovers, "killed while building, so something is left to sweep"
            doctor = cli(user, "doctor")
            for leftover in leftovers:
                assert leftover.split("/")[1] in doctor.stdout, doctor.stdout
        # the next command that creates (or doctor --fix) sweeps what the killed one left
        if i % 2 == 0:
            assert cli(user, "new", "--without-pip", f"other {i}").returncode == 0
        else:
            assert cli(user, "doctor", "--fix").returncode == 0
        assert stage_entries(home_dir) == []
    assert not set(registry.listing(home_dir)) - {f"other {i}" for i in range(0, len(moments), 2)} - {
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
    assert cli(user, "ls").stdout == ""


def test_failed_requirements_leave_no_stage_and_free_the_name(user, envwrap_exe, tmp_path, warm_seed):
    home_dir = Path(user["WORKON_HOME"])
    req = tmp_path / "requirements.txt"
    req.write_text("no-such-package-envwrap-test==1.0\n")
    proc = cli(dict(user, PIP_NO_INDEX="1", ENVWRAP_INSTALLER="pip"), "new", "-r", str(req), "needs-pkg")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    ours = [line for line in proc.stderr.splitlines() if line.startswith("envwrap:")]
    assert len(ours) == 1 and proc.stderr.endswith(ours[0] + "\n")
    assert ours[0].startswith(("envwrap: pip install", "envwrap: uv pip install"))
    assert stage_entries(home_dir) == [] and not os.path.lexists(home_dir / "needs-pkg")
    assert cli(user, "ls").stdout == ""
    # no lock left behind: the name can be created right away
    assert cli(user, "new", "--without-pip", "needs-pkg").returncode == 0


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
    assert len(registry.listing(home_dir)) == 4


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
            assert cli(user, "ls").stdout == ""
            assert json.loads(cli(user, "ls", "--json").stdout)["environments"] == []
            assert bash.ok("lsvirtualenv -b").stdout == ""
            assert bash.ok("workon").stdout == ""
            r = bash.run(f"workon {q(name)}")
            assert r.status != 0 and one_line(r.stderr) and bash.var("VIRTUAL_ENV") is None
            p = cli(user, "path", name)
            assert p.returncode != 0 and one_line(p.stderr)
        # a second creation of the name is told, in one line
        second = cli(user, "new", "--without-pip", name)
        assert second.returncode != 0 and one_line(second.stderr) and "being created" in second.stderr
        r = bash.run(f"mkvirtualenv --without-pip {q(name)}")
        assert r.status != 0 and one_line(r.stderr) and bash.var("VIRTUAL_ENV") is None
        # sweeping (another creation, doctor --fix) leaves work in progress alone
        assert cli(user, "new", "--without-pip", "bystander").returncode == 0
        doctor = cli(user, "doctor", "--fix")
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
        path = Path(path)  # the stage passes a str (no pathlib on creation's hot path)
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
        if Path(path) == lock:
            fcntl.flock(stale, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the stale file is free
            return stale
        return real(path, blocking)

    monkeypatch.setattr(staging, "_lock_fd", late)
    try:
        staging.sweep(home_dir)
        assert lock.exists() and stage_dir.is_dir()
    finally:
        os.close(live)


HOLD_FLOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_name_lock_files_are_swept_but_never_a_held_one(user, envwrap_exe, tmp_path):
    """One lock file per name ever used piled up in .envwrap/locks: the sweep
    unlinks the free ones, and leaves one that a live process holds (whose
    name stays refused to others) until it is let go."""
    locks = tmp_path / "envs" / ".envwrap" / "locks"
    for name in ("n1", "n2", "n3", "n4"):
        assert cli(user, "new", "--without-pip", name, exe=envwrap_exe).returncode == 0
    # each creation swept the others' lock files before taking its own
    assert [p.name for p in locks.iterdir()] == [staging.NameLock(tmp_path / "envs", "n4").path.name]
    assert cli(user, "rm", "n1", exe=envwrap_exe).returncode == 0
    assert list(locks.iterdir()) == []  # a removal sweeps after itself
    held = staging.NameLock(tmp_path / "envs", "held one").path
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FLOCK, str(held)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert cli(user, "new", "--without-pip", "n5", exe=envwrap_exe).returncode == 0
        assert held.is_file()  # held: not swept
        r = cli(user, "new", "--without-pip", "held one", check=False, exe=envwrap_exe)
        assert r.returncode != 0 and "being created or removed by another envwrap process" in r.stderr, r
        r = cli(user, "doctor", "--fix", exe=envwrap_exe)
        assert held.is_file() and r.returncode == 0, r
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    r = cli(user, "doctor", "--fix", exe=envwrap_exe)  # free now: swept, silently
    assert (r.returncode, r.stdout) == (0, "") and not held.exists() and list(locks.iterdir()) == []
    assert cli(user, "new", "--without-pip", "held one", exe=envwrap_exe).returncode == 0


def test_name_lock_retries_when_its_file_was_swept_before_it_locked(tmp_path, monkeypatch):
    """A sweep may unlink a free lock file between another process's open and
    its lock: that lock is on a file that is gone, so the name is locked again
    on the file in place, and stays refused to others."""
    home_dir = tmp_path / "envs"
    real = staging._lock_fd
    swept: list[Path] = []

    def swept_in_between(path: Path, blocking: bool):
        fd = real(path, blocking)
        if not swept:
            swept.append(path)
            assert staging.sweep_locks(home_dir) == 0  # ours is held: the sweep leaves it
            os.unlink(path)  # as a sweep does to a free one, between our open and our lock
        return fd

    monkeypatch.setattr(staging, "_lock_fd", swept_in_between)
    with staging.NameLock(home_dir, "x") as lock:
        assert swept and lock.path.is_file() and staging._holds(lock.fd, lock.path)
        monkeypatch.setattr(staging, "_lock_fd", real)
        with pytest.raises(UserError, match="being created or removed"):
            with staging.NameLock(home_dir, "x"):
                pass  # pragma: no cover
        assert staging.sweep_locks(home_dir) == 0 and lock.path.is_file()
    assert staging.sweep_locks(home_dir) == 1 and not lock.path.exists()


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
            staging.rmtree_here(env)  # let pytest clean up even if the test failed
