"""mkvirtualenv -i / -r install through uv when uv is there (envwrap/uvinstall.py):
pip's index, find-links, no-index and constraint settings reach uv, a failure
leaves nothing, and pip is still in the env. Offline: local wheels only."""

from __future__ import annotations

import codecs
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import console_wheel, make_wheel, require_creator, wait_until

ENVWRAP = Path(sys.executable).parent / "envwrap"


def envwrap(env, *args):
    return subprocess.run([str(ENVWRAP), *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture
def offline(user, tmp_path) -> dict:
    """A user whose pip has no settings but the ones each test gives it."""
    require_creator("uv")  # the uv binary is what installs here
    env = {k: v for k, v in user.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, UV_NO_CONFIG="1", UV_CACHE_DIR=str(tmp_path / "uv-cache"),
               ENVWRAP_CREATOR="venv")
    return env


@pytest.fixture
def wheels(tmp_path) -> Path:
    where = tmp_path / "wheels"
    make_wheel(where, "demo", "1.0")
    make_wheel(where, "demo", "2.0")
    make_wheel(where, "other", "1.0")
    return where


def site(env: dict, name: str) -> Path:
    (found,) = Path(env["WORKON_HOME"], name).glob("lib/python*/site-packages")
    return found


def installer(env: dict, name: str, dist: str) -> tuple[str, str]:
    """(version, INSTALLER) of ``dist`` in env ``name``."""
    (info,) = site(env, name).glob(f"{dist}-*.dist-info")
    return info.name[len(dist) + 1:-len(".dist-info")], (info / "INSTALLER").read_text().strip()


def pip_works(env: dict, name: str) -> bool:
    pip = Path(env["WORKON_HOME"], name, "bin", "pip")
    return subprocess.run([str(pip), "--version"], capture_output=True, env=env).returncode == 0


def test_find_links_and_no_index_reach_uv(offline, wheels):
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1")
    r = envwrap(env, "new", "-i", "demo", "-i", "other", "it's $x")
    assert r.returncode == 0, r.stderr
    assert installer(env, "it's $x", "demo") == ("2.0", "uv")
    assert installer(env, "it's $x", "other") == ("1.0", "uv")
    assert pip_works(env, "it's $x")


def test_a_constraint_and_a_requirements_file_reach_uv(offline, wheels, tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("demo==1.0\n")
    req = tmp_path / "req s.txt"
    req.write_text("demo\n")
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1", PIP_CONSTRAINT=str(constraints))
    r = envwrap(env, "new", "-r", str(req), "pinned")
    assert r.returncode == 0, r.stderr
    assert installer(env, "pinned", "demo") == ("1.0", "uv")


def test_pips_config_file_reaches_uv(offline, wheels, tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nfind-links = {wheels}\n[install]\nno-index = true\n")
    env = dict(offline, PIP_CONFIG_FILE=str(conf))
    r = envwrap(env, "new", "-i", "other", "conf")
    assert r.returncode == 0, r.stderr
    assert installer(env, "conf", "other") == ("1.0", "uv")


def test_a_local_index_url_reaches_uv(offline, wheels, tmp_path):
    index = tmp_path / "simple"
    (index / "demo").mkdir(parents=True)
    links = "".join(f'<a href="{w.as_uri()}">{w.name}</a>\n' for w in sorted(wheels.glob("demo-*.whl")))
    (index / "demo" / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    (index / "index.html").write_text('<html><body><a href="demo/">demo</a></body></html>\n')
    env = dict(offline, PIP_INDEX_URL=index.as_uri())
    r = envwrap(env, "new", "-i", "demo<2", "indexed")
    assert r.returncode == 0, r.stderr
    assert installer(env, "indexed", "demo") == ("1.0", "uv")


def test_a_failure_leaves_nothing_and_says_one_line(offline, wheels):
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1")
    r = envwrap(env, "new", "-i", "no-such-dist-envwrap", "fails")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    ours = [line for line in r.stderr.splitlines() if line.startswith("envwrap:")]
    assert len(ours) == 1 and "no-such-dist-envwrap" in ours[0] and r.stderr.endswith(ours[0] + "\n"), r.stderr
    home = Path(env["WORKON_HOME"])
    assert not os.path.lexists(home / "fails")
    assert list(home.glob(".envwrap/staging/*")) == []
    assert envwrap(env, "ls").stdout == ""


def test_installer_pip_keeps_pip(offline, wheels):
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1", ENVWRAP_INSTALLER="pip")
    r = envwrap(env, "new", "-i", "demo==1.0", "by-pip")
    assert r.returncode == 0, r.stderr
    assert installer(env, "by-pip", "demo") == ("1.0", "pip")
    bad = envwrap(dict(env, ENVWRAP_INSTALLER="conda"), "new", "-i", "demo", "x")
    assert bad.returncode != 0 and bad.stderr.startswith("envwrap: ") and bad.stderr.count("\n") == 1
    assert not Path(env["WORKON_HOME"], "x").exists()


# ----------------------------------------------------------------- what uv shows, and who says it


@pytest.mark.parametrize("where", ["home", "elsewhere"])
def test_uvs_words_never_show_the_stage(offline, wheels, tmp_path, where):
    """uv names the env it installs into; relative to the working directory
    when inside it (in WORKON_HOME: `.envwrap/staging/...`). The user sees the
    env's own path, and a failure names uv, the installer that ran."""
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1")
    home = Path(env["WORKON_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    cwd = home if where == "home" else tmp_path
    r = subprocess.run([str(ENVWRAP), "new", "-i", "demo", "made"], env=env, cwd=cwd, capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "staging" not in r.stderr, r.stderr
    (line,) = [x for x in r.stderr.splitlines() if "environment at:" in x]
    shown = line.split("environment at:", 1)[1].strip()
    assert (cwd / shown).resolve() == (home / "made").resolve(), line
    r = subprocess.run([str(ENVWRAP), "new", "-i", "no-such-dist-envwrap", "fails"], env=env, cwd=cwd,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert r.returncode != 0 and "staging" not in r.stderr, r.stderr
    last = r.stderr.splitlines()[-1]
    assert last.startswith("envwrap: uv pip install failed on no-such-dist-envwrap") and "(by uv)" not in last


def test_a_slow_build_through_uv_shows_its_progress_while_it_builds(offline, tmp_path):
    """uv's lines reach stderr as uv writes them: its `Building slowpkg`
    is there while the build is still running (the build waits for a file
    the test creates only after it has read that line)."""
    import queue
    import threading

    from localpkg import make_project

    project = make_project(tmp_path / "slow src", "slowpkg", "1.0", slow=True)
    proc = subprocess.Popen([str(ENVWRAP), "new", "-i", str(project), "slow"], env=offline,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr] + [lines.put(None)], daemon=True).start()
    seen = []
    try:
        while True:
            line = lines.get(timeout=120)  # a bound on a hang, not a measurement
            if line is None or "Building slowpkg" in line:
                break
            seen.append(line)
        assert line is not None, f"uv's progress came only after it finished: {seen}"
        # the build is running, and cannot end before the test says so
        assert wait_until(lambda: (project / "started").exists(), proc, timeout=120)
    except queue.Empty:
        pytest.fail(f"nothing of the build shown while it was running: {seen}")
    finally:
        (project / "go").write_text("")
    assert proc.wait(timeout=300) == 0
    rest = []
    while (item := lines.get(timeout=60)) is not None:
        rest.append(item)
    assert "staging" not in "".join(seen + rest)
    assert (Path(offline["WORKON_HOME"]) / "slow" / "pyvenv.cfg").is_file()


@pytest.mark.parametrize("tool", ["uv", "pip"])
def test_import_names_the_installer_that_runs(offline, wheels, tmp_path, tool):
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1", ENVWRAP_INSTALLER=tool)
    manifest = tmp_path / "m.toml"
    manifest.write_text("format = 1\ndistributions = ['demo==1.0']\n")
    r = envwrap(env, "import", str(manifest), "imported")
    assert r.returncode == 0, r.stderr
    (said,) = [x for x in r.stderr.splitlines() if "installing the manifest's distributions" in x]
    assert f"with {tool} " in said, said
    assert installer(env, "imported", "demo") == ("1.0", tool)


def test_on_a_terminal_uvs_progress_reaches_it(offline, tmp_path):
    """With envwrap's stderr a terminal, uv draws its progress there as it
    does when run by hand (it draws none into a pipe), while a slow build
    runs; the stage's path is not in what it draws."""
    import pty
    import queue
    import threading

    from localpkg import make_project

    project = make_project(tmp_path / "slow src", "slowpkg", "1.0", slow=True)
    master, slave = pty.openpty()
    home = Path(offline["WORKON_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    terminal = dict(offline, TERM="xterm-256color")  # the conftest user's TERM=dumb is no terminal to uv
    proc = subprocess.Popen([str(ENVWRAP), "new", "-i", str(project), "slow"], env=terminal, cwd=home,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks: queue.Queue = queue.Queue()

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            chunks.put(data)
            if not data:
                return

    threading.Thread(target=read, daemon=True).start()
    shown = b""
    try:
        while b"Preparing packages" not in shown or b"Building" not in shown:
            try:
                data = chunks.get(timeout=120)  # a bound on a hang, not a measurement
            except queue.Empty:
                data = b""
            assert data, f"uv drew no progress while it built: {shown!r}"
            shown += data
        assert wait_until(lambda: (project / "started").exists(), proc, timeout=120)
    finally:
        (project / "go").write_text("")
    assert proc.wait(timeout=300) == 0
    while data := chunks.get(timeout=60):
        shown += data
    os.close(master)
    assert b"staging" not in shown, shown
    assert b"environment at: slow" in shown.replace(b"\x1b[0m", b""), shown


# ------------------------------------------- what -i starts, and what it leaves in the env


def _strace() -> str:
    strace = shutil.which("strace")
    if strace is None:
        if os.environ.get("CI"):
            pytest.fail("strace missing in CI")
        pytest.skip("strace not installed")
    return strace


def _programs(trace: Path) -> list[list[str]]:
    """The argv of every program an ``strace -f -e trace=execve`` log shows
    started (failed execve calls, PATH lookups, left out)."""
    runs = []
    for line in trace.read_text(errors="replace").splitlines():
        found = re.search(r'execve\("(?:[^"\\]|\\.)*", \[(.*?)\](?:, 0x[0-9a-f]+ /\*.*\*/)?\) = 0$', line)
        if found:
            words = re.findall(r'"((?:[^"\\]|\\.)*)"', found.group(1))
            runs.append([codecs.escape_decode(w.encode())[0].decode("utf-8", "surrogateescape") for w in words])
    return runs


def _traced_new(env: dict, tmp_path: Path, *args: str) -> list[list[str]]:
    trace = tmp_path / "trace"
    r = subprocess.run([_strace(), "-f", "-qq", "-s", "65536", "-e", "trace=execve", "-o", str(trace),
                        str(ENVWRAP), "new", *args], env=env, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "staging" not in r.stderr, r.stderr
    return _programs(trace)


def _says_its_prefix(env: dict, name: str, script: str = "hello") -> None:
    """``script`` (hello's console script) runs on the env's own interpreter,
    named by its final path."""
    from envwrap.seeding.launchers import shebang

    root = Path(env["WORKON_HOME"], name)
    text = (root / "bin" / script).read_bytes()
    assert b"staging" not in text and text.startswith(os.fsencode(shebang(root / "bin" / "python"))), text
    out = subprocess.run([str(root / "bin" / script)], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.strip() == str(root), (out.stdout, out.stderr)


def test_mkvirtualenv_i_starts_uv_and_nothing_more(offline, tmp_path):
    """`mkvirtualenv -i` is envwrap's process and one uv, which is handed the
    env's base interpreter (known from uv's cache) and `--prefix` the stage:
    no Python starts to tell uv about the stage's interpreter, a new path every
    time. The console script it installs runs the env's python."""
    console_wheel(tmp_path / "wheels")
    env = dict(offline, PIP_FIND_LINKS=str(tmp_path / "wheels"), PIP_NO_INDEX="1")
    # the first env: envwrap's seed, and uv's record of the interpreter, are made
    assert envwrap(env, "new", "-i", "hello", "first").returncode == 0
    runs = _traced_new(env, tmp_path, "-i", "hello", "it's $x ü")
    assert [Path(argv[0]).name for argv in runs] == ["envwrap", "uv"], runs
    uv = runs[1]
    assert uv[1:3] == ["pip", "install"] and uv[-1] == "hello", uv
    root = Path(env["WORKON_HOME"], "it's $x ü")
    base = os.path.realpath(root / "bin" / "python")
    assert uv[uv.index("--python") + 1] == base, uv
    prefix = uv[uv.index("--prefix") + 1]
    assert "staging" in prefix and prefix.endswith("/it's $x ü"), uv
    _says_its_prefix(env, "it's $x ü")
    assert pip_works(env, "it's $x ü")


def test_an_env_that_sees_its_bases_packages_is_queried_itself(offline, tmp_path):
    """--system-site-packages: uv judges what is installed for the env's own
    interpreter (the base's packages count), so it is handed that one."""
    console_wheel(tmp_path / "wheels")
    env = dict(offline, PIP_FIND_LINKS=str(tmp_path / "wheels"), PIP_NO_INDEX="1")
    runs = _traced_new(env, tmp_path, "--system-site-packages", "-i", "hello", "sees base")
    (uv,) = [argv for argv in runs if Path(argv[0]).name == "uv"]
    assert "--prefix" not in uv and uv[uv.index("--python") + 1].endswith("/sees base/bin/python"), uv
    _says_its_prefix(env, "sees base")


@pytest.mark.parametrize("mode", [None, "hardlink"], ids=["default", "user's UV_LINK_MODE"])
def test_installed_files_are_the_envs_own(offline, wheels, mode):
    """uv copies into the env: no file of it is also a file of uv's cache or of
    another env, so changing it in one env changes nothing elsewhere. A user's
    own UV_LINK_MODE is theirs to choose."""
    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1")
    if mode:
        env["UV_LINK_MODE"] = mode
    for name in ("one", "two"):
        r = envwrap(env, "new", "-i", "demo==2.0", name)
        assert r.returncode == 0, r.stderr
    one, two = (site(env, name) / "demo.py" for name in ("one", "two"))
    if mode == "hardlink":
        assert one.stat().st_nlink > 1 and os.path.samefile(one, two)  # what the default would do
        return
    assert one.stat().st_nlink == 1 and two.stat().st_nlink == 1
    with open(one, "a") as fh:
        fh.write("CHANGED = 1\n")
    one.chmod(0o600)
    assert two.read_text() == "VALUE = 42\n" and two.stat().st_mode & 0o777 != 0o600


def test_a_base_interpreter_whose_path_holds_a_space(offline, tmp_path):
    """uv starts such a script through a /bin/sh trampoline naming the base;
    envwrap makes it name the env's python instead."""
    from envwrap.env.creators import own_base_python

    real = os.path.realpath(own_base_python())
    copy = tmp_path / "py dir" / "bin" / Path(real).name
    copy.parent.mkdir(parents=True)
    shutil.copy2(real, copy)
    if subprocess.run([str(copy), "-c", "import venv, encodings"], capture_output=True).returncode != 0:
        pytest.skip("this interpreter does not run from a copy elsewhere")
    console_wheel(tmp_path / "wheels")
    env = dict(offline, PIP_FIND_LINKS=str(tmp_path / "wheels"), PIP_NO_INDEX="1")
    r = envwrap(env, "new", "-p", str(copy), "-i", "hello", "spaced")
    assert r.returncode == 0, r.stderr
    assert os.path.realpath(Path(env["WORKON_HOME"], "spaced", "bin", "python")) == str(copy)
    _says_its_prefix(env, "spaced")


# What the install step adds to creation's imports: envwrap's uvinstall, nothing
# of the standard library's heavier modules (uv is started with posix_spawn;
# shlex and re only to explain a failure, configparser only for a pip config file).
NEVER_FOR_I = {"subprocess", "shlex", "re", "enum", "pathlib", "configparser", "shutil", "signal", "threading",
               "selectors", "venv", "argparse"}


def test_mkvirtualenv_i_stays_lean(envwrap_exe, offline, wheels):
    from conftest import modules_loaded

    env = dict(offline, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1")
    # the venv tree and the pip choice cached; the choice is made again once, after uv's first run
    # made its cache's buckets (places a pip can be)
    for warm in ("first", "second"):
        assert envwrap(env, "new", "-i", "demo", warm).returncode == 0
    loaded, _ = modules_loaded(envwrap_exe, env, "new", "-i", "demo==1.0", "lean")
    assert "envwrap.env.uvinstall" in loaded and installer(env, "lean", "demo") == ("1.0", "uv")
    assert not loaded & NEVER_FOR_I, sorted(loaded & NEVER_FOR_I)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_interrupted_while_uv_builds_leaves_nothing(offline, tmp_path, sig):
    """Ctrl-C (the whole job) or kill -9 while uv is building: no env, and
    after Ctrl-C not even a stage (envwrap says one line); after kill -9 the
    next command sweeps the stage."""
    import signal

    from localpkg import make_project

    from conftest import stage_entries

    project = make_project(tmp_path / "slow src", "slowpkg", "1.0", slow=True)
    home = Path(offline["WORKON_HOME"])
    proc = subprocess.Popen([str(ENVWRAP), "new", "-i", str(project), "cut short"], env=offline,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert wait_until(lambda: (project / "started").exists(), proc, timeout=120)  # uv is building it
        os.killpg(proc.pid, getattr(signal, sig))
        _, err = proc.communicate(timeout=120)
    finally:
        (project / "go").write_text("")  # a build left behind ends
    assert not os.path.lexists(home / "cut short")
    assert envwrap(offline, "ls").stdout == ""
    if sig == "SIGINT":
        assert proc.returncode == 130, err
        assert "Traceback" not in err and err.splitlines()[-1] == "envwrap: interrupted; nothing was left half-made"
        assert stage_entries(home) == []
    else:
        assert stage_entries(home), "killed while building: a stage is left to sweep"
        assert envwrap(offline, "new", "--without-pip", "next").returncode == 0
        assert stage_entries(home) == []
