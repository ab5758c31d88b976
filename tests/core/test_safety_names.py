"""Names refused everywhere, in one line, with nothing changed; the longest name; NUL; names that
differ only in case on a case-insensitive file system.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from envwrap import shells
from envwrap.cli import plans as commands
from envwrap.core import home, names
from envwrap.core.errors import UserError
from envwrap.env import lifecycle, registry
from envwrap.env.creators import CreateOptions

from conftest import cli, one_line, snapshot

BASH = shells.get("bash")  # the descriptor envwrap sh passes to a plan's handler

# ----------------------------------------------------------------- names

REFUSED = ["", "/", ".", "..", "-x", "--", ".hidden", "a/b", "../x", "a\nb", "a\rb", "x" * 256,
           "é" * 128,  # 128 characters, 256 bytes
           # every other line break of str.splitlines: pyvenv.cfg is read line by line
           "a\x0bhome = x", "a\x0cb", "a\x1cb", "a\x1db", "a\x1eb", "a\x85b", "a\u2028b", "a\u2029b",
           # the PATH separator: activation would put ./bin on PATH for 'x:.'
           "x:.", "a:b"]


def test_refused_names_everywhere_one_line_nothing_changed(user, envwrap_exe, tmp_path):
    home_dir, projects = Path(user["WORKON_HOME"]), Path(user["PROJECT_HOME"])
    assert cli(user, "new", "--without-pip", "e1").returncode == 0
    before = snapshot(tmp_path)
    calls = []
    for bad in REFUSED:
        # after "--", so that names like "-x" reach the name check, not the option parser
        calls += [["new", "--without-pip", "--", bad], ["rm", "--", bad], ["cp", "e1", "--", bad],
                  ["sh", "bash", "mkvirtualenv", "--without-pip", "--", bad],
                  ["sh", "fish", "workon", "--", bad], ["sh", "zsh", "mkproject", "--without-pip", "--", bad]]
    with ThreadPoolExecutor(4) as pool:
        # in tmp_path: `workon .` reads the nearest .venv, and a checkout has one
        results = list(pool.map(lambda argv: (argv, cli(user, *argv, cwd=tmp_path)), calls))
    for argv, proc in results:
        assert proc.returncode != 0 and proc.stdout == "", (argv, proc)
        assert one_line(proc.stderr), (argv, proc.stderr)
    assert snapshot(tmp_path) == before
    assert sorted(os.listdir(projects)) == [] and registry.listing(home_dir) == ["e1"]


def test_longest_name_is_accepted(user, envwrap_exe):
    name = "é" * 127 + "x"  # 255 bytes
    proc = cli(user, "new", "--without-pip", name)
    assert proc.returncode == 0, proc.stderr
    assert cli(user, "ls").stdout == name + "\n"
    assert cli(user, "rm", name).returncode == 0


def test_nul_is_refused_by_every_backend_entry(user, monkeypatch, tmp_path):
    """A shell cannot pass NUL; the backend functions refuse it themselves."""
    for key, value in user.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setattr(home, "_config_cache", None)
    root = Path(user["WORKON_HOME"])
    lifecycle.create("e1", CreateOptions(without_pip=True))
    before = snapshot(tmp_path)
    bad = "a\0b"
    entries = [
        names.validate,
        lambda n: registry.check_new_name(root, n),
        registry.path_of,
        lifecycle.remove,
        lambda n: lifecycle.create(n, CreateOptions(without_pip=True)),
        lambda n: lifecycle.copy("e1", n),
        lambda n: lifecycle.copy(n, "x"),
        lambda n: lifecycle.repair(n, None),
        lambda n: commands.workon(BASH, [n]),
        lambda n: commands.mkvirtualenv(BASH, ["--without-pip", n]),
        lambda n: commands.mkproject(BASH, ["--without-pip", n]),
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
        proc = cli(env, "new", "--without-pip", variant)
        assert proc.returncode != 0 and one_line(proc.stderr), proc.stderr
        assert f"'{variant}' differs from existing 'Foo' only in case" in proc.stderr
    proc = cli(env, "new", "--without-pip", "Foo")
    assert proc.returncode != 0 and one_line(proc.stderr) and "already exists" in proc.stderr
    assert registry.listing(root) == ["Foo"]
    assert snapshot(root) == before
