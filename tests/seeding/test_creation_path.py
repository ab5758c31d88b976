"""The hot path of creation: what `envwrap new` / `mkvirtualenv` import once the
interpreter's venv tree and the pip choice are cached, the argparse-free parse
of a plain command line, the remembered pip choice (and when it is made again),
and a replayed tree that names the env's final place, never its stage."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_seed import NEWER, newer_pip, pip_version  # noqa: F401 - newer_pip is a fixture

from conftest import cli, modules_loaded

# What creating an env may import beyond the interpreter's own start-up: envwrap's
# modules on the path, the lock's flock, the hash module behind a lock file's
# name. Nothing else: no venv, pathlib, re (nor enum, which re imports),
# argparse, subprocess, shutil, hashlib, uuid, zipfile, logging, textwrap.
CREATION_MODULES = {
    "__future__", "errno", "fcntl", "_sha256", "_sha2",
    "envwrap", "envwrap.cli", "envwrap.cli.dispatch", "envwrap.cli.output", "envwrap.cli.table",
    "envwrap.hookstart",  # the start from a hook (python -I -S): what site would have done
    "envwrap.cli.environments", "envwrap.cli.plans", "envwrap.cli.creation",
    "envwrap.core", "envwrap.core.atomicfile", "envwrap.core.errors", "envwrap.core.files", "envwrap.core.home",
    "envwrap.core.layout", "envwrap.core.names", "envwrap.core.settings", "envwrap.core.staging",
    "envwrap.env", "envwrap.env.creators", "envwrap.env.hooks", "envwrap.env.lifecycle",
    "envwrap.env.pythons", "envwrap.env.pyvenv", "envwrap.env.registry",
    # (not envwrap.env.activation nor .variables: a new env has no variables of its own, one stat says so)
    "envwrap.env.kernels",  # after_creation: an env's Jupyter kernel (os and sys only)
    "envwrap.seeding", "envwrap.seeding.venvlayout", "envwrap.seeding.choice", "envwrap.seeding.reuse",
    "envwrap.seeding.modes", "envwrap.seeding.launchers",
    "envwrap.shells", "envwrap.shells.activate", "envwrap.shells.plan",
    "envwrap.shells.posix", "envwrap.shells.fish", "envwrap.shells.powershell",
}
NEVER = {"venv", "ensurepip", "pathlib", "re", "enum", "argparse", "subprocess", "shutil", "hashlib", "uuid",
         "zipfile", "logging", "textwrap", "tempfile"}


def run(env, *args):
    return cli(env, *args, exe=Path(sys.executable).parent / "envwrap")


@pytest.fixture
def warm(user) -> dict:
    """A user whose envwrap has made one env with pip already (the venv tree of
    envwrap's Python and the pip choice are cached), in the default settings."""
    user = {k: v for k, v in user.items() if k not in ("ENVWRAP_SEED_MODE", "ENVWRAP_CREATOR")}
    assert run(user, "new", "first").returncode == 0
    return user


@pytest.mark.parametrize("argv", [
    ("new", "--without-pip", "lean one"),
    ("new", "lean two"),  # with pip: the shared zip chosen for "first"
    ("sh", "bash", "mkvirtualenv", "lean three"),
    ("sh", "fish", "mkvirtualenv", "--without-pip", "--prompt", "p", "lean four"),
])
def test_creation_imports_stay_lean(envwrap_exe, warm, argv):
    loaded, _ = modules_loaded(envwrap_exe, warm, *argv)
    assert "envwrap.env.lifecycle" in loaded  # it did the work
    assert Path(warm["WORKON_HOME"], argv[-1], "pyvenv.cfg").is_file()
    assert not loaded & NEVER, sorted(loaded & NEVER)
    assert loaded <= CREATION_MODULES, sorted(loaded - CREATION_MODULES)


def hook_words(user: dict) -> list[str]:
    """The words the bash preamble starts the backend with (python -I -S ...)."""
    import shlex

    first = run(user, "init", "bash").stdout.splitlines()[0]
    return shlex.split(first[len("__envwrap_exe=("):-1])


def imported(stderr: str) -> set[str]:
    """The modules named by -X importtime's lines."""
    return {line.split("|")[-1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and not line.rstrip().endswith("package")}


@pytest.mark.parametrize("args", [("--without-pip", "hook one"), ("hook two",)])
def test_creation_through_the_hook_words_stays_lean(warm, args):
    """The start the shells use: no site module (nor the .pth files it runs),
    envwrap's creation modules only, and with pip the choice remembered by the
    console script's creation (started with site) is the one used: the record
    is keyed the same way with and without -S."""
    words = hook_words(warm)
    records = Path(warm["ENVWRAP_CACHE_DIR"], "seed-choice")
    before = sorted(records.iterdir())
    proc = subprocess.run([words[0], "-X", "importtime", *words[1:], "sh", "bash", "mkvirtualenv", *args],
                          env=warm, capture_output=True, text=True)
    assert proc.returncode == 0 and "__envwrap_activated" in proc.stdout, proc.stderr
    loaded = imported(proc.stderr)
    assert "envwrap.env.lifecycle" in loaded and Path(warm["WORKON_HOME"], args[-1], "pyvenv.cfg").is_file()
    assert not loaded & (NEVER | {"site", "_distutils_hack", "sitecustomize"}), sorted(loaded & NEVER)
    ours = {m for m in loaded if m.startswith("envwrap")}
    assert ours <= CREATION_MODULES, sorted(ours - CREATION_MODULES)
    if "--without-pip" not in args:
        assert "envwrap.seeding.reuse" in loaded and "envwrap.seeding.sources" not in loaded
        assert sorted(records.iterdir()) == before  # the console script's record, no second one
        assert pip_version(Path(warm["WORKON_HOME"], args[-1])) == pip_version(Path(warm["WORKON_HOME"], "first"))


def test_creation_with_pip_from_the_remembered_choice_gets_a_working_pip(warm):
    assert run(warm, "new", "second").returncode == 0
    home = Path(warm["WORKON_HOME"])
    assert pip_version(home / "second") == pip_version(home / "first")
    assert (home / "second" / "bin" / "pip").read_text() == (home / "first" / "bin" / "pip").read_text().replace(
        str(home / "first"), str(home / "second"))


def test_a_newer_pip_found_later_is_chosen_at_once(warm, newer_pip):  # noqa: F811
    wheels = Path(warm["ENVWRAP_CACHE_DIR"]) / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    shutil.copy(newer_pip, wheels)
    assert run(warm, "new", "later").returncode == 0
    assert pip_version(Path(warm["WORKON_HOME"]) / "later") == NEWER


def test_a_zip_removed_by_hand_is_built_again(warm):
    home = Path(warm["WORKON_HOME"])
    shutil.rmtree(home / ".envwrap" / "seeds")
    assert run(warm, "new", "again").returncode == 0
    assert pip_version(home / "again") == pip_version(home / "first")  # first's zip is back too


def test_the_tree_names_the_final_place_never_the_stage(warm):
    """The replayed tree is written for where the env will live: nothing in it
    names the stage it was built in."""
    assert run(warm, "new", "--prompt", "shown", "placed").returncode == 0
    env_dir = Path(warm["WORKON_HOME"], "placed")
    for path in env_dir.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.suffix != ".pyc":
            assert b"/staging/" not in path.read_bytes(), path
    out = subprocess.run([str(env_dir / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(env_dir)


QUICK_LINES = [
    ["x"], ["--without-pip", "x"], ["--no-pip", "x"], ["-p", "3.11", "x"], ["--python", "/usr/bin/python3", "x"],
    ["-i", "a", "-i", "b", "-r", "req.txt", "x"], ["x", "-i", "a"], ["--creator", "venv", "x"],
    ["--prompt", "my env", "--copies", "x"], ["--symlinks", "--clear", "--upgrade-deps", "x"],
    ["--system-site-packages", "--without-scm-ignore-files", "-a", "/tmp", "x"],
    ["--copies", "--copies", "x"],
]
ARGPARSE_LINES = [  # quick_parse leaves these to argparse
    [], ["--help"], ["-h"], ["x", "y"], ["--copies", "--symlinks", "x"], ["--creator", "nope", "x"],
    ["--python=3.11", "x"], ["-p"], ["-p", "-x", "x"], ["--without", "x"], ["-ia", "x"], ["--", "x"],
    ["--unknown-to-us", "x"], ["--from", "m.toml", "x"], [""],
]


@pytest.mark.parametrize("argv", QUICK_LINES + ARGPARSE_LINES)
def test_the_quick_parse_agrees_with_argparse(argv):
    from envwrap.cli import creation
    from envwrap.core.errors import UserError

    quick = creation.quick_parse(argv)
    if argv in ARGPARSE_LINES:
        assert quick is None
        return
    parser = creation.creation_parser("envwrap new", "d")
    parser.add_argument("name")
    try:
        opts, extra = parser.parse_known_args(argv)
    except (UserError, SystemExit):
        pytest.fail(f"argparse refuses {argv}, quick_parse accepted it")
    assert quick is not None and (vars(quick[0]), quick[1]) == (vars(opts), extra)


def test_a_run_of_uv_keeps_the_remembered_choice(envwrap_exe, warm):
    """uv touches its cache dir at every run (its lock file there): that is no
    new pip, and the next env still takes the remembered choice."""
    uv_cache = Path(warm.get("UV_CACHE_DIR") or Path(warm["XDG_CACHE_HOME"], "uv"))
    (uv_cache / "wheels-v8" / "pypi").mkdir(parents=True, exist_ok=True)
    assert run(warm, "new", "with a bucket").returncode == 0  # the buckets are part of the record's key
    (uv_cache / ".lock").write_text("")  # what any uv run does to the dir
    loaded, _ = modules_loaded(envwrap_exe, warm, "new", "after uv")
    assert "envwrap.seeding.reuse" in loaded and not loaded & NEVER, sorted(loaded & NEVER)


def test_a_new_env_writes_each_file_once(warm, tmp_path):
    """What creating an env with pip writes, counted by strace: each regular
    file of the new env is created once (the activate scripts in place, not
    through a temporary name and a rename: the stage is new and unread), and
    the env reaches WORKON_HOME by one rename of its directory."""
    strace = shutil.which("strace")
    if strace is None:
        if os.environ.get("CI"):
            pytest.fail("strace missing in CI")
        pytest.skip("strace not installed")
    trace = tmp_path / "trace"
    words = hook_words(warm)
    proc = subprocess.run([strace, "-f", "-qq", "-o", str(trace), "-e", "trace=openat,open,creat,rename,renameat,"
                           "renameat2,link,linkat", *words, "sh", "bash", "mkvirtualenv", "counted"],
                          env=warm, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    env_dir = Path(warm["WORKON_HOME"], "counted")
    files = {str(p.relative_to(env_dir)) for p in env_dir.rglob("*") if p.is_file() and not p.is_symlink()}
    lines = [ln for ln in trace.read_text().splitlines() if "= -1" not in ln]
    stage_env = "/.envwrap/staging/"
    created = [ln for ln in lines if "O_CREAT" in ln and (f"{stage_env}" in ln and "/counted/" in ln
                                                          or ln.split("(", 1)[1].startswith(tuple("0123456789")))]
    renames = [ln for ln in lines if "rename" in ln.split("(", 1)[0]]
    published = [ln for ln in renames if ln.rstrip().endswith("= 0") and f'"{env_dir}"' in ln]
    assert len(published) == 1, renames
    assert not [ln for ln in renames if "/bin/activate" in ln or "/bin/Activate.ps1" in ln], renames
    # the last-used mark is written after the publish, in WORKON_HOME
    assert len(created) == len(files - {".envwrap-last-used"}), (sorted(files), created)


def test_new_scripts_never_write_through_what_is_there(tmp_path):
    """write_all(new=True) creates a missing script in place, and replaces
    one that exists (a link planted at its name is replaced, its target kept)."""
    from envwrap.shells import activate

    env = tmp_path / "e"
    (env / "bin").mkdir(parents=True)
    target = tmp_path / "target"
    target.write_text("keep\n")
    (env / "bin" / "activate.fish").symlink_to(target)
    activate.write_all(env, env, "e", new=True)
    assert target.read_text() == "keep\n"
    assert not (env / "bin" / "activate.fish").is_symlink()
    assert "VIRTUAL_ENV" in (env / "bin" / "activate.fish").read_text()
    assert (env / "bin" / "activate").read_text() and (env / "bin" / "Activate.ps1").read_text()
    out = tmp_path / "out"
    out.mkdir()
    (env / "bin").rename(env / "real-bin")
    (env / "bin").symlink_to(out)  # a bin dir that leads out of the env: refused, nothing written
    from envwrap.core.errors import UserError

    with pytest.raises(UserError):
        activate.write_all(env, env, "e", new=True)
    assert list(out.iterdir()) == []
