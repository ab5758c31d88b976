"""`envwrap export` / `envwrap import` / `mkvirtualenv --from`: a manifest that
makes an environment again. Distributions come from wheels built in the test
(pip with --no-index and --find-links through its environment variables: no
network)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest

from conftest import HOSTILE_NAME, console_wheel, offline, pyenv_pythons
from conftest import cli as backend
from realshell import Shell

q = Shell.quote

HOSTILE = HOSTILE_NAME  # conftest's one hostile name


@pytest.fixture
def populated(user, tmp_path):
    """An env with a pinned console-script distribution, a project, an
    add2virtualenv path, and hooks of its own; all under hostile names."""
    wheels = tmp_path / "wheels"
    console_wheel(wheels, "hello", "1.0")
    console_wheel(wheels, "other_dist", "2.5")
    env = offline(user, wheels)
    project = Path(user["PROJECT_HOME"]) / f"proj {HOSTILE}"
    project.mkdir()
    extra = tmp_path / f"extra {HOSTILE}"
    extra.mkdir()
    r = backend(env, "new", "--creator", "venv", "-a", str(project), "-i", "hello==1.0", "-i", "other_dist",
                f"src {HOSTILE}")
    assert r.returncode == 0, r
    path = Path(user["WORKON_HOME"]) / f"src {HOSTILE}"
    r = backend(dict(env, VIRTUAL_ENV=str(path)), "add-path", str(extra))
    assert r.returncode == 0, r
    (path / "bin" / "postactivate").write_text("echo 'post $x'\n")
    (path / "bin" / "postactivate.fish").write_text("echo post fish\n")
    (path / "bin" / "preactivate").write_text("#!/bin/sh\necho PRE-HOOK-RAN\n")
    (path / "bin" / "preactivate").chmod(0o755)
    r = backend(env, "vars", path.name, "set", f"GREETING=hi {HOSTILE}", "EMPTY=", "MULTI=a\nb")
    assert r.returncode == 0, r
    return env, path, project, extra


def test_round_trip_is_equal_but_for_the_name(populated, tmp_path):
    env, src, project, extra = populated
    first = backend(env, "export", src.name)
    assert first.returncode == 0 and first.stderr == "", first
    data = tomllib.loads(first.stdout)
    assert data["format"] == 1 and data["name"] == src.name
    assert data["distributions"] == ["hello==1.0", "other_dist==2.5"]
    assert data["project"] == project.name  # relative to PROJECT_HOME
    assert data["paths"] == [str(extra)]
    assert data["python"].startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")
    assert set(data["hooks"]) == {"postactivate", "postactivate.fish", "preactivate"}
    assert data["vars"] == {"GREETING": f"hi {HOSTILE}", "EMPTY": "", "MULTI": "a\nb"}
    manifest = tmp_path / f"m {HOSTILE}.toml"
    r = backend(env, "export", src.name, "-o", str(manifest))
    assert r.returncode == 0 and r.stdout == "" and manifest.read_text() == first.stdout
    r = backend(env, "import", str(manifest), "copy ñ")
    assert r.returncode == 0, r
    assert "using Python" in r.stderr
    dst = Path(env["WORKON_HOME"]) / "copy ñ"
    assert r.stdout.strip() == str(dst)
    again = tomllib.loads(backend(env, "export", "copy ñ").stdout)
    assert again.pop("name") == "copy ñ"
    data.pop("name")
    assert again == data
    # The imported env works: its console script runs, its hooks are its own.
    out = subprocess.run([str(dst / "bin" / "hello")], capture_output=True, text=True)
    assert out.stdout.strip() == str(dst)
    assert os.access(dst / "bin" / "preactivate", os.X_OK)
    assert (dst / ".project").read_text().strip() == str(project)


def test_requirements_format(populated):
    env, src, _, _ = populated
    r = backend(env, "export", "--format", "requirements", src.name)
    assert r.returncode == 0 and r.stdout == "hello==1.0\nother_dist==2.5\n"


def test_import_default_name_and_a_missing_project(populated, tmp_path):
    env, src, project, _ = populated
    manifest = tmp_path / "m.toml"
    backend(env, "export", src.name, "-o", str(manifest), check=True)
    backend(env, "rm", src.name, check=True)
    project.rename(project.with_name("moved"))
    r = backend(env, "import", str(manifest))
    assert r.returncode == 0, r
    assert "project directory" in r.stderr and "missing" in r.stderr
    assert (src / "pyvenv.cfg").is_file() and not (src / ".project").exists()
    # The note says how to bind it later, in words a shell runs as they are.
    (hint,) = [line for line in r.stderr.splitlines() if "project directory" in line]
    command = hint.split("bind it when the directory is there: ", 1)[1].rstrip(")")
    project.with_name("moved").rename(project)
    from conftest import ENVWRAP, loaded_shell

    bash = loaded_shell("bash", env, tmp_path, ENVWRAP)
    try:
        done = bash.run(command)
        assert done.status == 0, done
    finally:
        bash.close()
    assert (src / ".project").read_text().strip() == str(project)
    project.rename(project.with_name("moved"))
    # An env of that name exists now: refused, nothing changed.
    r = backend(env, "import", str(manifest))
    assert r.returncode == 1 and "already exists" in r.stderr.splitlines()[-1]


@pytest.mark.parametrize("text,words", [
    ("format = 2\nname = 'x'\n", "format 2"),
    ("format = 1\nname = [\n", "not a valid"),
    ("name = 'x'\n", "no format"),
    ("format = 1\ndistributions = 'hello'\n", "distributions"),
    ("format = 1\ndistributions = ['--index-url=http://x']\n", "not a distribution"),
    ("format = 1\n[hooks]\n'../../evil' = 'x'\n", "unknown hook"),
    ("format = 1\n[vars]\nPATH = '/evil'\n", "vars"),
    ("format = 1\n[vars]\nX = 1\n", "vars"),
    ("\xff\xfe", "not a valid"),
])
def test_newer_or_damaged_manifest_is_one_line_and_changes_nothing(user, tmp_path, text, words):
    manifest = tmp_path / "bad.toml"
    manifest.write_bytes(text.encode("latin-1") if text.startswith("\xff") else text.encode())
    home = Path(user["WORKON_HOME"])
    before = sorted(os.listdir(home))
    r = backend(user, "import", str(manifest), "newenv")
    assert r.returncode == 1 and r.stdout == "", r
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("envwrap: ") and words in r.stderr, r.stderr
    assert sorted(os.listdir(home)) == before
    r = backend(user, "import", str(tmp_path / "absent.toml"))
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1


def test_failing_install_leaves_nothing(user, tmp_path):
    wheels = tmp_path / "wheels"
    console_wheel(wheels, "hello", "1.0")
    manifest = tmp_path / "m.toml"
    manifest.write_text("format = 1\ndistributions = ['hello==1.0', 'not_there==9.9']\n")
    r = backend(offline(user, wheels), "import", str(manifest), "half")
    last = r.stderr.splitlines()[-1]
    assert r.returncode == 1 and "on not_there==9.9" in last and "hello" not in last, r.stderr
    assert not (Path(user["WORKON_HOME"]) / "half").exists()


def test_mkvirtualenv_from_activates_in_bash_and_zsh(sh, populated, tmp_path):
    env, src, _, _ = populated
    manifest = tmp_path / "m.toml"
    backend(env, "export", src.name, "-o", str(manifest), check=True)
    sh.ok(f"export PIP_NO_INDEX=1 PIP_FIND_LINKS={q(env['PIP_FIND_LINKS'])}")
    r = sh.run(f"mkvirtualenv --from {q(str(manifest))} 'from file'")
    assert r.status == 0, r
    home = Path(env["WORKON_HOME"])
    assert sh.var("VIRTUAL_ENV") == str(home / "from file")
    assert sh.ok("hello").stdout.strip() == str(home / "from file")
    assert "PRE-HOOK-RAN" in r.stdout + r.stderr  # the env's own preactivate ran


def test_editables_are_their_source_relative_to_the_project(populated):
    """An editable install, left as pip leaves one (dist-info with
    direct_url.json marked editable): exported as its source directory."""
    import json
    from urllib.request import pathname2url

    env, src, project, _ = populated
    source = project / "src tree"
    source.mkdir()
    site = next((src / "lib").glob("python*/site-packages"))
    dist = site / "mine-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mine\nVersion: 0.1\n")
    (dist / "direct_url.json").write_text(json.dumps({"url": "file://" + pathname2url(str(source)),
                                                      "dir_info": {"editable": True}}))
    data = tomllib.loads(backend(env, "export", src.name).stdout)
    assert data["editable"] == ["src tree"]
    assert "mine==0.1" not in data["distributions"]
    r = backend(env, "export", "--format", "requirements", src.name)
    # a path with spaces or quotes goes as its file: URL, one word to pip and uv alike
    assert r.stdout.splitlines()[-1] == f"-e {source.as_uri()}"


def test_import_with_p_version_says_which_python(populated, tmp_path):

    env, src, _, _ = populated
    ours = f"{sys.version_info[0]}.{sys.version_info[1]}."
    found = [(v, exe) for v, exe in pyenv_pythons() if not v.startswith(ours)]
    if not found:
        pytest.skip("needs a pyenv Python of another minor version than the tests'")
    version, _ = found[-1]
    manifest = tmp_path / "m.toml"
    backend(env, "export", src.name, "-o", str(manifest), check=True)
    r = backend(env, "import", "-p", version, str(manifest), "other py")
    assert r.returncode == 0, r
    made = tomllib.loads(backend(env, "export", src.name).stdout)["python"]
    assert f"using Python {version}" in r.stderr and f"the manifest was made with {made}" in r.stderr
    out = subprocess.run([str(Path(env["WORKON_HOME"]) / "other py" / "bin" / "hello")], capture_output=True,
                         text=True)
    assert out.returncode == 0


# ----------------------------------------------------------------- direct-URL installs (PEP 610)


def direct_url(env_dir: Path, dist: str) -> dict:
    import json

    (info,) = env_dir.glob(f"lib/python*/site-packages/{dist}-*.dist-info")
    data = json.loads((info / "direct_url.json").read_text())
    vcs = data.get("vcs_info") or {}
    from urllib.parse import unquote

    # pip records a VCS URL unquoted, uv quoted: the same place either way
    return {"url": unquote(data["url"]), "vcs": vcs.get("vcs"), "commit": vcs.get("commit_id"),
            "editable": bool((data.get("dir_info") or {}).get("editable"))}


def values(env_dir: Path) -> dict:
    """The VALUE of each test module as the env's interpreter imports it."""
    code = ("import importlib, json\n"
            "print(json.dumps({m: importlib.import_module(m).VALUE "
            "for m in ('fastpkg', 'sdpkg', 'whlpkg', 'editpkg', 'gitpkg')}))")
    import json

    out = subprocess.run([str(env_dir / "bin" / "python"), "-c", code], capture_output=True, text=True,
                         env={"PATH": os.environ["PATH"]})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


DIRECT = ("fastpkg", "sdpkg", "whlpkg", "editpkg", "gitpkg")


@pytest.fixture(params=["pip", "uv"])
def direct_installs(request, user, tmp_path):
    """An env with a distribution installed from a local directory, an sdist
    file, a wheel file, an editable source (-e DIR) and a local git repository
    at a commit, each by the env's own pip as a user would; and a package index
    (find-links) that holds other distributions of those five names and
    versions, as PyPI may: installing by name and version gets those."""
    from localpkg import build_sdist, build_wheel, git_repo, make_project

    from conftest import make_wheel, require_creator

    if request.param == "uv":
        require_creator("uv")
    src = tmp_path / "sources ñ $x"  # pip itself cannot take every hostile name as a path
    make_project(src / "proj", "fastpkg", "0.1")
    sdist = build_sdist(make_project(src / "sd", "sdpkg", "0.3"), src / "dist")
    wheel = make_wheel(src / "dist", "whlpkg", "0.5")  # its VALUE is 42
    make_project(src / "edit", "editpkg", "0.2")
    repo, commit = git_repo(src / "repo", "gitpkg", "0.4")
    index = tmp_path / "index"
    for name, version in (("fastpkg", "0.1"), ("sdpkg", "0.3"), ("whlpkg", "0.5"), ("editpkg", "0.2"),
                          ("gitpkg", "0.4")):
        build_wheel(make_project(tmp_path / "impostors" / name, name, version, value="index"), index)
    env = dict(offline(user, index), ENVWRAP_INSTALLER=request.param, UV_NO_CONFIG="1",
               UV_CACHE_DIR=str(tmp_path / "uv-cache"))
    backend(env, "new", "--creator", "venv", "direct", check=True)
    path = Path(env["WORKON_HOME"]) / "direct"
    r = subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "--no-index", str(src / "proj"),
                        str(sdist), str(wheel), "-e", str(src / "edit"), f"git+{repo.as_uri()}@{commit}#egg=gitpkg"],
                       capture_output=True, text=True, env=dict(env, VIRTUAL_ENV=str(path)))
    assert r.returncode == 0, r.stdout + r.stderr
    expected = {"fastpkg": "source", "sdpkg": "source", "whlpkg": 42, "editpkg": "source", "gitpkg": "git"}
    assert values(path) == expected
    return env, path, {"src": src, "sdist": sdist, "wheel": wheel, "repo": repo, "commit": commit,
                       "expected": expected}


def same_installs(a: Path, b: Path) -> None:
    for dist in DIRECT:
        assert direct_url(a, dist) == direct_url(b, dist), dist


def test_direct_url_installs_are_exported_as_they_were_installed(direct_installs):
    env, path, made = direct_installs
    from urllib.parse import unquote

    data = tomllib.loads(backend(env, "export", "direct").stdout)
    src = made["src"]
    assert [unquote(d) for d in data["distributions"]] == [unquote(d) for d in [
        f"fastpkg @ {(src / 'proj').as_uri()}",
        f"gitpkg @ git+{made['repo'].as_uri()}@{made['commit']}",
        f"sdpkg @ {made['sdist'].as_uri()}",
        f"whlpkg @ {made['wheel'].as_uri()}",
    ]]
    assert all(" " not in d.partition(" @ ")[2] for d in data["distributions"])  # quoted: one requirement each
    assert data["editable"] == [str(src / "edit")]
    assert direct_url(path, "gitpkg")["commit"] == made["commit"]


def test_direct_url_installs_round_trip_through_import(direct_installs, tmp_path):
    env, path, made = direct_installs
    manifest = tmp_path / "m.toml"
    backend(env, "export", "direct", "-o", str(manifest), check=True)
    r = backend(env, "import", str(manifest), "imported")
    assert r.returncode == 0, r.stderr
    copy = Path(env["WORKON_HOME"]) / "imported"
    assert values(copy) == made["expected"]  # not the index's distributions of those names
    same_installs(path, copy)
    assert tomllib.loads(backend(env, "export", "imported").stdout)["distributions"] == \
        tomllib.loads(manifest.read_text())["distributions"]


def test_direct_url_installs_round_trip_through_a_requirements_file(direct_installs, tmp_path):
    env, path, made = direct_installs
    req = tmp_path / "requirements.txt"
    r = backend(env, "export", "--format", "requirements", "direct")
    assert r.returncode == 0, r.stderr
    req.write_text(r.stdout)
    r = backend(env, "new", "-r", str(req), "from req")
    assert r.returncode == 0, r.stderr
    copy = Path(env["WORKON_HOME"]) / "from req"
    assert values(copy) == made["expected"]
    same_installs(path, copy)


def test_direct_url_installs_survive_an_upgrade(direct_installs):
    env, path, made = direct_installs
    before = tomllib.loads(backend(env, "export", "direct").stdout)
    saved = {dist: direct_url(path, dist) for dist in DIRECT}
    r = backend(env, "upgrade", "direct")
    assert r.returncode == 0, r.stderr
    assert values(path) == made["expected"]
    assert {dist: direct_url(path, dist) for dist in DIRECT} == saved
    after = tomllib.loads(backend(env, "export", "direct").stdout)
    after.pop("python"), before.pop("python")  # the same X.Y, found again: maybe another patch release
    assert after == before
    # With its interpreter gone, the env's files say the same (upgrade reads them).
    for link in (path / "bin").glob("python*"):
        link.unlink()
    (path / "bin" / "python").symlink_to(path / "no-such-python")
    r = backend(env, "upgrade", "--dry-run", "direct")
    from urllib.parse import unquote

    assert r.returncode == 0 and f"fastpkg @ file://{made['src'] / 'proj'}" in unquote(r.stdout), r
    r = backend(env, "upgrade", "direct")
    assert r.returncode == 0, r.stderr
    assert values(path) == made["expected"]
    assert {dist: direct_url(path, dist) for dist in DIRECT} == saved


def test_a_missing_local_source_is_a_note_not_another_distribution(direct_installs, tmp_path):
    import shutil

    env, path, made = direct_installs
    manifest = tmp_path / "m.toml"
    backend(env, "export", "direct", "-o", str(manifest), check=True)
    shutil.rmtree(made["src"] / "proj")
    r = backend(env, "import", str(manifest), "partial")
    assert r.returncode == 0, r.stderr
    assert f"fastpkg's source {made['src'] / 'proj'} is missing; not installed" in r.stderr
    gone = subprocess.run([str(Path(env["WORKON_HOME"]) / "partial" / "bin" / "python"), "-c", "import fastpkg"],
                          capture_output=True)
    assert gone.returncode != 0  # not the index's fastpkg 0.1
