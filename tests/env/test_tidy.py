"""Keeping WORKON_HOME tidy: last used, sizes (hard links once, the size cache),
``lsvirtualenv -l``, ``envwrap gc``, and the JSON objects tools read."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import cli, require_shell
from conftest import snapshot as safety_snapshot
from realshell import Shell

q = Shell.quote
ROOT = Path(__file__).resolve().parents[2]
DAY = 86400


def envwrap(envwrap_exe, env, *args, **kw):
    return cli(env, *args, exe=envwrap_exe, **kw)


def one_line(stderr: str) -> bool:
    return stderr.startswith("envwrap: ") and stderr.count("\n") == 1 and "Traceback" not in stderr


def snapshot(root: Path) -> list[tuple]:
    """Everything under root, modification times included: a dry run must not
    even touch a file."""
    return safety_snapshot(root, mtimes=True)


@pytest.fixture
def made(user, envwrap_exe):
    def make(name: str, *options: str) -> Path:
        proc = envwrap(envwrap_exe, user, "new", "--without-pip", *options, name)
        assert proc.returncode == 0, proc.stderr
        return Path(proc.stdout.strip())

    return make


def listing(envwrap_exe, user) -> dict:
    proc = envwrap(envwrap_exe, user, "ls", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["version"] == 2
    return {e["name"]: e for e in data["environments"]}


def age(path: Path, days: float) -> None:
    then = time.time() - days * DAY
    os.utime(path, (then, then))


# ----------------------------------------------------------------- last used


def test_workon_records_last_use_and_nothing_else_does(sh, tmp_path):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv --without-pip 'a b' && deactivate")
    marker = home / "a b" / ".envwrap-last-used"
    assert marker.exists(), "mkvirtualenv activates, so it counts"
    age(marker, 10)
    before = marker.stat().st_mtime
    sh.ok("lsvirtualenv -b; workon; showvirtualenv 'a b'; envwrap ls -l; envwrap ls --json")
    assert marker.stat().st_mtime == before, "listing is not using"
    sh.ok("workon 'a b'")
    assert time.time() - marker.stat().st_mtime < 60
    age(marker, 10)
    before = marker.stat().st_mtime
    sh.ok("deactivate")
    assert marker.stat().st_mtime == before


def test_a_copy_has_never_been_used(made, user, envwrap_exe):
    made("a")
    assert envwrap(envwrap_exe, user, "run", "a", "--", "true").returncode == 0
    assert envwrap(envwrap_exe, user, "cp", "a", "b").returncode == 0
    data = listing(envwrap_exe, user)
    assert data["a"]["last_used"] is not None and data["b"]["last_used"] is None


def test_an_env_that_cannot_be_written_is_still_usable(made, user, envwrap_exe):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    env = made("ro")
    env.chmod(0o555)
    try:
        proc = envwrap(envwrap_exe, user, "run", "ro", "--", "true")
        assert proc.returncode == 0 and proc.stderr == ""
    finally:
        env.chmod(0o755)


# ----------------------------------------------------------------- sizes


def du(path: Path) -> int:
    """GNU du's answer (blocks, each hard-linked file once)."""
    out = subprocess.run(["du", "-s", "--block-size=1", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def test_sizes_count_hard_linked_files_once(made, user, envwrap_exe, tmp_path):
    if subprocess.run(["du", "--version"], capture_output=True).returncode != 0:
        pytest.skip("needs GNU du")
    env = made("sized")
    payload = env / "lib" / "payload.bin"
    payload.write_bytes(os.urandom(1 << 20))
    base = listing(envwrap_exe, user)["sized"]["size"]
    assert base == du(env) and base > 1 << 20
    (env / "bin" / "payload-link").hardlink_to(payload)   # a second name, no new data
    (env / "payload-link-2").hardlink_to(payload)
    linked = listing(envwrap_exe, user)["sized"]["size"]
    assert linked == du(env) and linked - base < 64 << 10
    shutil.copyfile(payload, env / "payload-copy")        # new data
    copied = listing(envwrap_exe, user)["sized"]["size"]
    assert copied == du(env) and copied - linked >= 1 << 20
    long = envwrap(envwrap_exe, user, "ls", "-l").stdout
    assert re.search(r"size: +\d+\.\d MiB", long)


def test_size_cache_is_used_and_sees_every_change_of_an_entry(made, user, monkeypatch, tmp_path):
    from envwrap.env import sizes as tidy

    monkeypatch.setenv("ENVWRAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tidy, "RACY_NS", 0)  # trust even what changed this instant
    env = made("c")
    deep = env / "lib" / "deep" / "er"
    deep.mkdir(parents=True)
    with tidy.Sizes(str(env.parent)) as sizes:
        real = sizes.of(env)
    # Forge the cached size: while nothing changes, the forgery is what comes back
    # (so the cache is really read) ...
    (cache_file,) = (tmp_path / "cache" / "sizes").iterdir()
    data = json.loads(cache_file.read_text())
    data["envs"]["c"]["size"] = 12345
    cache_file.write_text(json.dumps(data))
    with tidy.Sizes(str(env.parent)) as sizes:
        assert sizes.of(env) == 12345
    # ... and any entry created, renamed or removed, however deep, ends it.
    for change in (lambda: (deep / "new").write_bytes(b"x" * 10000),
                   lambda: (deep / "new").rename(deep / "renamed"),
                   lambda: (deep / "renamed").unlink(),
                   lambda: (deep / "sub").mkdir()):
        cache_file.write_text(json.dumps(data))  # the forgery again, with the old signatures
        change()
        with tidy.Sizes(str(env.parent)) as sizes:
            measured = sizes.of(env)
        assert measured == tidy.measure(str(env))[0] != 12345
        data = json.loads(cache_file.read_text())
        data["envs"]["c"]["size"] = 12345
    assert real > 0


def test_size_of_an_env_changed_this_instant_is_not_cached(made, user, monkeypatch, tmp_path):
    """Timestamps are coarse: a change right after measuring could share the
    measured timestamp, so a directory changed in the last seconds is not trusted."""
    from envwrap.env import sizes as tidy

    monkeypatch.setenv("ENVWRAP_CACHE_DIR", str(tmp_path / "cache"))
    env = made("fresh")
    with tidy.Sizes(str(env.parent)) as sizes:
        sizes.of(env)
    files = list((tmp_path / "cache" / "sizes").iterdir())
    assert files == [] or "fresh" not in json.loads(files[0].read_text())["envs"]


# ----------------------------------------------------------------- lsvirtualenv -l


def test_long_listing_shows_everything_and_keeps_hooks(sh, tmp_path):
    home = tmp_path / "envs"
    project = tmp_path / "projects" / "gone soon"
    project.mkdir()
    sh.ok(f"mkvirtualenv --without-pip -a {q(str(project))} 'p q' && deactivate")
    sh.ok("mkvirtualenv --without-pip never && deactivate")
    sh.ok(f"cd {q(str(tmp_path))}")  # mkvirtualenv -a went into the project, which goes away
    (home / "never" / ".envwrap-last-used").unlink()
    (home / "get_env_details").write_text("#!/bin/sh\necho \"details for $1\"\n")
    (home / "get_env_details").chmod(0o755)
    shutil.rmtree(project)  # with the .venv file envwrap wrote there
    out = sh.ok("lsvirtualenv -l").stdout
    blocks = dict((b.split("\n", 1)[0], b) for b in out.strip().split("\n\n"))
    pq = blocks["p q"]
    assert re.search(r"^python: +3\.\d+\.\d+", pq, re.M)
    assert re.search(r"^status: +ok$", pq, re.M)
    assert re.search(rf"^project: +{re.escape(str(project))} \(MISSING", pq, re.M)
    assert re.search(r"^used: +\d{4}-\d\d-\d\d \d\d:\d\d \(today\)$", pq, re.M)
    assert re.search(r"^size: +\d+(\.\d)? (B|KiB|MiB)$", pq, re.M)
    assert "details for p q" in pq
    assert re.search(r"^used: +never recorded$", blocks["never"], re.M)
    assert sh.ok("showvirtualenv never").stdout == blocks["never"] + "\n\n"


# ----------------------------------------------------------------- gc


@pytest.fixture
def untidy(made, user, envwrap_exe, tmp_path):
    """WORKON_HOME with one env of each kind gc knows; returns (names, hook log)."""
    home = Path(user["WORKON_HOME"])
    log = tmp_path / "rm.log"
    for hook in ("prermvirtualenv", "postrmvirtualenv"):
        (home / hook).write_text(f"#!/bin/sh\necho \"{hook} $1\" >> {q(str(log))}\n")
        (home / hook).chmod(0o755)
    old = made("old one")
    (old / ".envwrap-last-used").touch()
    age(old / ".envwrap-last-used", 200)
    fresh = made("fresh")
    (fresh / ".envwrap-last-used").touch()
    never = made("never used")  # from before envwrap recorded use: judged by its last change
    age(never / "pyvenv.cfg", 200)
    for sp in never.glob("lib/*/site-packages"):
        age(sp, 200)
    young_never = made("new, never used")
    broken = made("broken $x")
    (broken / "bin" / "python").unlink()
    (broken / "bin" / "python").symlink_to(tmp_path / "no-such-python")
    project = tmp_path / "projects" / "p"
    project.mkdir()
    made("orphan", "-a", str(project))
    shutil.rmtree(project)  # with the .venv file envwrap wrote there
    active = made("active")
    (active / ".envwrap-last-used").touch()
    age(active / ".envwrap-last-used", 400)
    assert young_never.exists()
    return home, log


def gc_names(stdout: str) -> list[str]:
    return sorted(line.split(" (", 1)[0].removeprefix("removed ") for line in stdout.splitlines())


def test_gc_dry_run_lists_and_changes_nothing(untidy, user, envwrap_exe, tmp_path):
    home, log = untidy
    caller = dict(user, VIRTUAL_ENV=str(home / "active"))
    before = snapshot(tmp_path)
    proc = envwrap(envwrap_exe, caller, "gc", "--unused", "90d", "--broken", "--missing-project")
    assert proc.returncode == 0, proc.stderr
    assert gc_names(proc.stdout) == ["broken $x", "never used", "old one", "orphan"]
    assert "keeping 'active': it is active" in proc.stderr and "--yes" in proc.stderr
    lines = {n: line for n, line in zip(gc_names(proc.stdout), sorted(proc.stdout.splitlines()))}
    assert "last used" in lines["old one"] and "(200 days ago)" in lines["old one"]
    assert "never recorded" in lines["never used"]
    assert "broken" in lines["broken $x"] and "project" in lines["orphan"]
    # each criterion alone, and weeks
    assert gc_names(envwrap(envwrap_exe, caller, "gc", "--broken").stdout) == ["broken $x"]
    assert gc_names(envwrap(envwrap_exe, caller, "gc", "--missing-project").stdout) == ["orphan"]
    assert gc_names(envwrap(envwrap_exe, caller, "gc", "--unused", "28w").stdout) == ["never used", "old one"]
    assert gc_names(envwrap(envwrap_exe, caller, "gc", "--unused", "29w").stdout) == []
    assert snapshot(tmp_path) == before and not log.exists()


def test_gc_yes_removes_exactly_what_it_listed(untidy, user, envwrap_exe, tmp_path):
    home, log = untidy
    caller = dict(user, VIRTUAL_ENV=str(home / "active"))
    argv = ["gc", "--unused", "12w", "--broken", "--missing-project"]
    listed = gc_names(envwrap(envwrap_exe, caller, *argv).stdout)
    proc = envwrap(envwrap_exe, caller, *argv, "--yes")
    assert proc.returncode == 0, proc.stderr
    assert gc_names(proc.stdout) == listed
    assert sorted(listing(envwrap_exe, user)) == ["active", "fresh", "new, never used"]
    assert sorted(log.read_text().splitlines()) == sorted(
        [f"prermvirtualenv {n}" for n in listed] + [f"postrmvirtualenv {n}" for n in listed])
    trash = home / ".envwrap" / "trash"
    assert not trash.exists() or list(trash.iterdir()) == []


def test_gc_goes_through_safe_removal_and_an_interrupt_leaves_envs_whole(untidy, user, envwrap_exe, tmp_path):
    home, log = untidy
    # The second removal's prermvirtualenv hook interrupts gc (Ctrl-C reaches
    # envwrap, its parent) and then refuses.
    (home / "prermvirtualenv").write_text(
        f"#!/bin/sh\necho \"pre $1\" >> {q(str(log))}\n"
        f"[ \"$(grep -c '^pre ' {q(str(log))})\" -ge 2 ] && {{ kill -INT $PPID; sleep 1; exit 1; }}\nexit 0\n")
    keep = {n: snapshot(home / n) for n in ("broken $x", "orphan")}
    proc = envwrap(envwrap_exe, user, "gc", "--broken", "--missing-project", "--yes")
    assert proc.returncode == 130 and "interrupted" in proc.stderr.splitlines()[-1]
    remaining = listing(envwrap_exe, user)
    first, second = [line.split(" ", 1)[1] for line in log.read_text().splitlines() if line.startswith("pre ")]
    assert first not in remaining and not (home / first).exists()
    assert second in remaining and snapshot(home / second) == keep[second]
    # a hook that refuses: that env stays whole, the others go on, the status says so
    made_again = envwrap(envwrap_exe, user, "gc", "--broken", "--missing-project")
    assert gc_names(made_again.stdout) == [second]
    (home / "prermvirtualenv").write_text("#!/bin/sh\nexit 5\n")
    proc = envwrap(envwrap_exe, user, "gc", "--broken", "--missing-project", "--yes")
    assert proc.returncode == 5 and second in listing(envwrap_exe, user)
    assert snapshot(home / second) == keep[second]


@pytest.mark.parametrize("bad", ["6m", "90", "d", "-5d", "9.5d", "１０d", "", "90 d", "90D"])
def test_gc_refuses_a_bad_age_in_one_line(bad, made, user, envwrap_exe, tmp_path):
    made("e")
    before = snapshot(tmp_path)
    proc = envwrap(envwrap_exe, user, "gc", "--unused", bad, "--yes")
    assert proc.returncode == 2 and one_line(proc.stderr) and proc.stdout == "", proc.stderr
    assert snapshot(tmp_path) == before


def test_gc_needs_a_criterion(made, user, envwrap_exe):
    made("e")
    proc = envwrap(envwrap_exe, user, "gc", "--yes")
    assert proc.returncode == 2 and one_line(proc.stderr)
    assert sorted(listing(envwrap_exe, user)) == ["e"]


# ----------------------------------------------------------------- JSON

ENV_FIELDS = {
    "name": str, "path": str, "python": (str, type(None)), "base": (str, type(None)),
    "project": (str, type(None)), "project_missing": bool, "broken": (str, type(None)),
    "last_used": (str, type(None)), "size": int, "creator": (str, type(None)), "tmp": bool,
    "kernel": (str, type(None)),
    "adopted": (dict, type(None)),
    "project_files": list,
}


def readme_fields() -> list[str]:
    """The field names of the table of environment fields (docs/commands.md, JSON output)."""
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    section = text.split("\n## JSON output\n", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", section, re.M)


def test_json_objects_are_versioned_documented_and_pinned(made, user, envwrap_exe, tmp_path):
    name = "jsön \"q\" $x"
    env = made(name)
    assert envwrap(envwrap_exe, user, "run", name, "--", "true").returncode == 0
    raw = envwrap(envwrap_exe, user, "ls", "--json").stdout
    assert "jsön" in raw and "\\u00f6" not in raw, "ensure_ascii=False: names appear as they are"
    (entry,) = json.loads(raw)["environments"]
    assert list(entry) == list(ENV_FIELDS) == readme_fields()
    for key, kind in ENV_FIELDS.items():
        assert isinstance(entry[key], kind), key
    assert entry["name"] == name and entry["path"] == str(env) and entry["broken"] is None
    assert re.fullmatch(r"3\.\d+\.\d+", entry["python"]) and entry["creator"] == "venv"
    assert entry["tmp"] is False and entry["project"] is None and entry["project_missing"] is False
    assert entry["project_files"] == []
    used = entry["last_used"]
    from datetime import datetime

    assert abs(datetime.fromisoformat(used).timestamp() - time.time()) < 120 and used[-6] in "+-"
    from envwrap.env.sizes import measure

    assert entry["size"] == measure(str(env))[0] > 0
    shown = json.loads(envwrap(envwrap_exe, user, "show", name, "--json").stdout)
    assert shown == {"version": 2, "environment": entry}
    doctor = envwrap(envwrap_exe, user, "doctor", "--json")
    assert doctor.returncode == 0
    assert json.loads(doctor.stdout) == {"version": 2, "ok": True, "problems": []}
    (env / "bin" / "python").unlink()
    doctor = envwrap(envwrap_exe, user, "doctor", "--json")
    report = json.loads(doctor.stdout)
    assert doctor.returncode == 1 and report["ok"] is False
    assert [p["fixed"] for p in report["problems"]] == [False] and name in report["problems"][0]["message"]
    assert json.loads(envwrap(envwrap_exe, user, "ls", "--json").stdout)["environments"][0]["broken"]


def test_tmp_and_creator_fields(user, envwrap_exe, tmp_path):
    bash = require_shell("bash")
    proc = subprocess.run([bash, "--norc", "--noprofile", "-c",
                           f'eval "$({q(str(envwrap_exe))} init bash)"; mktmpenv --without-pip >/dev/null 2>&1; '
                           f'{q(str(envwrap_exe))} ls --json'],
                          env=user, capture_output=True, text=True, timeout=60)
    (entry,) = json.loads(proc.stdout)["environments"]
    assert entry["tmp"] is True and entry["name"].startswith("tmp-")
    from envwrap.env.pyvenv import creator_of

    assert creator_of({"uv": "0.4.0", "version_info": "3.12.1"}) == "uv"
    assert creator_of({"virtualenv": "20.0", "version_info": "3.12.1"}) == "virtualenv"
    assert creator_of({"home": "/usr/bin"}) is None


@pytest.mark.parametrize("verb", ["run", "shell", "which", "gc"])
def test_new_verbs_answer_help(verb, user, envwrap_exe):
    proc = envwrap(envwrap_exe, user, verb, "--help")
    assert proc.returncode == 0 and proc.stdout.startswith("usage:")
    assert f" {verb} " in envwrap(envwrap_exe, user, "--help").stdout
