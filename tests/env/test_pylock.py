"""`envwrap export --format pylock`, and a pylock.toml (PEP 751) back into an
env: by pip >= 26.1, by uv, by `envwrap import` and `mkvirtualenv --from`.
Every distribution comes from a local wheelhouse (pip's --no-index and
--find-links through its environment variables): no network."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest
from localpkg import build_sdist, build_wheel, git_repo, make_project
from test_mv import backend

from conftest import HOSTILE_NAME
from realshell import Shell

UV = Path(sys.executable).parent / "uv"
_INSTALLED = ("import json, importlib.metadata as md; print(json.dumps(sorted("
              "'%s==%s' % (d.metadata['Name'].lower(), d.version) for d in md.distributions())))")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def installed(env: Path) -> set[str]:
    """name==version of every distribution in the env but pip."""
    out = subprocess.run([str(env / "bin" / "python"), "-c", _INSTALLED], check=True, capture_output=True,
                         text=True, env={"PATH": os.environ["PATH"]}).stdout
    return {d for d in json.loads(out) if not d.startswith("pip==")}


@pytest.fixture
def house(user, tmp_path):
    """(user's environment with a local wheelhouse as its only index, the
    wheelhouse, the sources): alpha 1.0 and 2.0 as wheels, beta 0.5 as an
    sdist, arch 1.5 as a wheel outside it, an editable tree and a git repository."""
    wheels = tmp_path / "wheels"
    src = tmp_path / f"src {HOSTILE_NAME}"
    build_wheel(make_project(src / "alpha1", "alpha", "1.0"), wheels)
    build_wheel(make_project(src / "alpha2", "alpha", "2.0"), wheels)
    build_sdist(make_project(src / "beta", "beta", "0.5"), wheels)
    build_wheel(make_project(src / "arch", "arch", "1.5"), tmp_path / "elsewhere")
    make_project(src / "edit", "edit", "3.0")
    make_project(src / "plain", "plain", "4.0")
    repo, commit = git_repo(tmp_path / "repo", "gitdist", "0.9")
    env = dict(user, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env, wheels, src, (repo, commit)


def make_env(env: dict, tmp_path: Path, name: str, trees: bool = True) -> Path:
    arch = tmp_path / "elsewhere" / "arch-1.5-py3-none-any.whl"
    lines = ["alpha==1.0", "beta", f"arch @ {arch.as_uri()}"]
    if trees:
        repo = tmp_path / "repo"
        lines += [f"-e {tmp_path / f'src {HOSTILE_NAME}' / 'edit'}", f"gitdist @ git+{repo.as_uri()}",
                  f"plain @ {(tmp_path / f'src {HOSTILE_NAME}' / 'plain').as_uri()}"]
    req = tmp_path / f"{name}.txt"
    req.write_text("".join(f"{line}\n" for line in lines))
    backend(env, "new", "--creator", "venv", "-r", str(req), name, check=True)
    return Path(env["WORKON_HOME"]) / name


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_export_names_every_artifact_with_its_hash(house, tmp_path, installer):
    """Index installs are found again through the user's settings (uv pip
    compile, or pip lock); the others come from their direct_url.json."""
    env, wheels, src, (repo, commit) = house
    path = make_env(env, tmp_path, f"src {HOSTILE_NAME}")
    r = backend(dict(env, ENVWRAP_INSTALLER=installer), "export", "--format", "pylock", path.name, check=True)
    lock = tomllib.loads(r.stdout)
    assert lock["lock-version"] == "1.0" and lock["created-by"] == "envwrap-venv"
    assert lock["requires-python"] == "==%d.%d.*" % sys.version_info[:2]
    assert lock["tool"]["envwrap"]["name"] == path.name
    by_name = {p["name"]: p for p in lock["packages"]}
    assert sorted(by_name) == ["alpha", "arch", "beta", "edit", "gitdist", "plain"]  # pip aside: every env has one
    (wheel,) = by_name["alpha"]["wheels"]
    assert by_name["alpha"]["version"] == "1.0" and wheel["url"].endswith("/alpha-1.0-py3-none-any.whl")
    assert wheel["hashes"] == {"sha256": sha256(wheels / "alpha-1.0-py3-none-any.whl")}
    beta = by_name["beta"]
    assert beta["version"] == "0.5" and beta["sdist"]["hashes"]["sha256"] == sha256(wheels / "beta-0.5.tar.gz")
    arch = by_name["arch"]
    assert arch["version"] == "1.5"
    archive = tmp_path / "elsewhere" / "arch-1.5-py3-none-any.whl"
    assert arch["archive"] == {"path": str(archive), "hashes": {"sha256": sha256(archive)}}
    assert by_name["edit"] == {"name": "edit", "directory": {"path": str(src / "edit"), "editable": True}}
    assert by_name["plain"] == {"name": "plain", "directory": {"path": str(src / "plain")}}
    vcs = by_name["gitdist"]["vcs"]
    assert vcs["type"] == "git" and vcs["commit-id"] == commit and vcs["url"] == repo.as_uri()
    assert "version" not in by_name["gitdist"]  # a source tree: no version (PEP 751)


def test_pip_and_uv_install_the_same_set(house, tmp_path):
    """pip >= 26.1 and uv read the lock as it is. (pip checks hashes all or
    nothing, so it takes a lock of files only: pypa/pip#13943.)"""
    env, *_ = house
    files_only = make_env(env, tmp_path, "files", trees=False)
    out = tmp_path / "out"
    out.mkdir()
    lock = out / "pylock.toml"
    backend(env, "export", "--format", "pylock", "files", "-o", str(lock), check=True)
    new = tmp_path / "by pip"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(new)], check=True)
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(new / "bin" / "python"), "install", "-q",
                        "-r", str(lock)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert installed(new) == installed(files_only) == {"alpha==1.0", "beta==0.5", "arch==1.5"}

    full = make_env(env, tmp_path, "full")
    backend(env, "export", "--format", "pylock", "full", "-o", str(lock), check=True)
    new = tmp_path / "by uv"
    subprocess.run([str(UV), "venv", "-q", str(new)], check=True, env=env)
    r = subprocess.run([str(UV), "pip", "install", "-q", "--python", str(new / "bin" / "python"), "-r", str(lock)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert installed(new) == installed(full) == {"alpha==1.0", "beta==0.5", "arch==1.5", "edit==3.0",
                                                 "gitdist==0.9", "plain==4.0"}


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_import_makes_the_same_env(house, tmp_path, installer):
    env, *_ = house
    src = make_env(env, tmp_path, "orig")
    lock = tmp_path / "exported.lock"  # no pylock name: known by its content
    backend(env, "export", "--format", "pylock", "orig", "-o", str(lock), check=True)
    env = dict(env, ENVWRAP_INSTALLER=installer)
    r = backend(env, "import", str(lock), f"copy {HOSTILE_NAME}")
    assert r.returncode == 0, r.stderr
    copy = Path(env["WORKON_HOME"]) / f"copy {HOSTILE_NAME}"
    assert installed(copy) == installed(src) and len(installed(src)) == 6
    backend(env, "rm", "orig", check=True)
    r = backend(env, "import", str(lock))  # the name it was exported from
    assert r.returncode == 0, r.stderr
    assert installed(src) == installed(copy)
    r = backend(env, "import", str(lock))  # it exists now: one line, nothing changed
    assert r.returncode == 1 and r.stderr.splitlines() == [f"envwrap: environment 'orig' already exists in "
                                                           f"{env['WORKON_HOME']}"], r.stderr
    # The editable is still editable, where it was.
    direct = json.loads(next((copy / "lib").glob("python*/site-packages/edit-3.0.dist-info/direct_url.json"))
                        .read_text())
    assert direct["dir_info"] == {"editable": True}


def test_a_foreign_lock_with_relative_paths(house, tmp_path):
    """Any tool's lock: relative paths are the lock file's."""
    env, wheels, *_ = house
    lock = tmp_path / "pylock.other.toml"
    lock.write_text(
        "lock-version = '1.0'\ncreated-by = 'someone'\n\n[[packages]]\nname = 'alpha'\nversion = '2.0'\n"
        f"wheels = [{{path = 'wheels/alpha-2.0-py3-none-any.whl', hashes = {{sha256 = "
        f"'{sha256(wheels / 'alpha-2.0-py3-none-any.whl')}'}}}}]\n")
    r = backend(env, "import", str(lock), "other", cwd=Path("/"))
    assert r.returncode == 0, r.stderr
    assert installed(Path(env["WORKON_HOME"]) / "other") == {"alpha==2.0"}


def test_mkvirtualenv_from_a_lock_activates(sh, house, tmp_path):
    env, *_ = house
    make_env(env, tmp_path, "orig", trees=False)
    lock = tmp_path / "pylock.toml"
    backend(env, "export", "--format", "pylock", "orig", "-o", str(lock), check=True)
    r = sh.run(f"mkvirtualenv --from {Shell.quote(str(lock))} 'from lock'")
    assert r.status == 0, r
    home = Path(env["WORKON_HOME"])
    assert sh.var("VIRTUAL_ENV") == str(home / "from lock")
    assert installed(home / "from lock") == {"alpha==1.0", "beta==0.5", "arch==1.5"}


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_pin_no_index_has_is_one_line_naming_it(house, tmp_path, installer):
    env, wheels, *_ = house
    make_env(env, tmp_path, "orig", trees=False)
    (wheels / "alpha-1.0-py3-none-any.whl").unlink()  # alpha 2.0 is there: not the exact pin
    out = tmp_path / "pylock.toml"
    r = backend(dict(env, ENVWRAP_INSTALLER=installer), "export", "--format", "pylock", "orig", "-o", str(out))
    assert r.returncode == 1 and r.stdout == "", r
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("envwrap: alpha==1.0: "), r.stderr
    assert not out.exists()


def _lock_for(wheels: Path, digest: str) -> str:
    return ("lock-version = '1.0'\ncreated-by = 'x'\n[[packages]]\nname = 'alpha'\nversion = '1.0'\n"
            f"wheels = [{{url = '{(wheels / 'alpha-1.0-py3-none-any.whl').as_uri()}', "
            f"hashes = {{sha256 = '{digest}'}}}}]\n")


@pytest.mark.parametrize("case,words", [
    ("not toml", "not a valid pylock.toml"),
    ("newer", "lock-version 2.0"),
    ("tampered", "does not match its sha256"),
    ("no hashes", "without hashes"),
    ("two sources", "one source"),
    ("no name", "no name"),
    ("binary", "not a valid pylock.toml"),
])
def test_bad_lock_is_one_line_and_changes_nothing(house, tmp_path, case, words):
    env, wheels, *_ = house
    good = _lock_for(wheels, sha256(wheels / "alpha-1.0-py3-none-any.whl"))
    text = {
        "not toml": "lock-version = '1.0'\n[[packages]\n",
        "newer": good.replace("'1.0'\ncreated", "'2.0'\ncreated"),
        "tampered": _lock_for(wheels, "0" * 64),
        "no hashes": good.replace("hashes = {sha256", "size = 1, other = {sha256"),
        "two sources": good + "directory = {path = '.'}\n",
        "no name": good.replace("name = 'alpha'\n", ""),
        "binary": "\xff\xfe",
    }[case]
    lock = tmp_path / "pylock.toml"
    lock.write_bytes(text.encode("latin-1") if case == "binary" else text.encode())
    home = Path(env["WORKON_HOME"])
    before = sorted(os.listdir(home))
    for args in (["import", str(lock), "newenv"], ["sh", "bash", "mkvirtualenv", "--from", str(lock), "newenv"]):
        r = backend(env, *args)
        assert r.returncode == 1 and r.stdout == "", r
        assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("envwrap: ") and words in r.stderr, r.stderr
        assert sorted(os.listdir(home)) == before


def test_a_file_changed_after_the_check_is_refused_by_the_installer(house, tmp_path):
    """The installer is given the hashes too, and refuses a file that does
    not match them: here a sha512 only, which envwrap's own check (sha256 of
    local files) leaves to the installer, as it does every remote file."""
    env, wheels, *_ = house
    make_env(env, tmp_path, "orig", trees=False)
    lock = tmp_path / "pylock.toml"
    backend(env, "export", "--format", "pylock", "orig", "-o", str(lock), check=True)
    data = tomllib.loads(lock.read_text())
    alpha = next(p for p in data["packages"] if p["name"] == "alpha")
    alpha["wheels"][0]["hashes"] = {"sha512": "0" * 128}  # a hash the check leaves to the installer
    import tomli_w

    lock.write_text(tomli_w.dumps(data))
    for installer in ("uv", "pip"):
        r = backend(dict(env, ENVWRAP_INSTALLER=installer), "import", str(lock), "tampered")
        assert r.returncode == 1, r
        assert "the environment was not created" in r.stderr.splitlines()[-1], r.stderr
        assert not (Path(env["WORKON_HOME"]) / "tampered").exists()


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_export_finds_artifacts_through_pip_config_files(house, tmp_path, installer):
    """The index settings may live in pip's config file rather than PIP_*
    variables; both resolvers read them there."""
    env, wheels, *_ = house
    make_env(env, tmp_path, "orig", trees=False)
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nno-index = true\nfind-links = {wheels}\n")
    env = {k: v for k, v in env.items() if k not in ("PIP_NO_INDEX", "PIP_FIND_LINKS")}
    env.update(PIP_CONFIG_FILE=str(conf), ENVWRAP_INSTALLER=installer)
    r = backend(env, "export", "--format", "pylock", "orig", check=True)
    by_name = {p["name"]: p for p in tomllib.loads(r.stdout)["packages"]}
    assert by_name["alpha"]["wheels"][0]["hashes"]["sha256"] == sha256(wheels / "alpha-1.0-py3-none-any.whl")
