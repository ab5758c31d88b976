"""Jupyter kernels that follow an environment (issue 21, item 4): a kernel
added for an env starts through jupyter_client and runs inside the env, follows
a rename, goes with a removal; kernelspecs envwrap did not write are never
touched. Real envs, a real kernel (ipykernel and jupyter_client from the test
extra, made importable in a pip-less env by a .pth file: its sys.prefix is
still the env's), no network."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HOSTILE, HOSTILE_NAME, cli, new_env, no_canary, one_line, snapshot, write_wheel

# Starts the kernel named argv[1] the way a notebook server does (KernelManager
# looks it up in the Jupyter data dir of the environment given), waits for it
# with wait_for_ready, runs code in it and prints what the code printed.
START = r"""
import sys
from jupyter_client.manager import KernelManager

km = KernelManager(kernel_name=sys.argv[1])
km.start_kernel()
kc = km.client()
kc.start_channels()
try:
    kc.wait_for_ready(timeout=120)
    out = []
    reply = kc.execute_interactive("import sys; print(sys.prefix)", timeout=120,
                                   output_hook=lambda m: out.append(m["content"].get("text", "")))
    assert reply["content"]["status"] == "ok", reply["content"]
    sys.stdout.write("PREFIX=" + "".join(out).strip() + "\n")
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
"""


@pytest.fixture
def jupyter(user, tmp_path):
    """The user, with Jupyter's directories in tmp_path (data, path, runtime,
    config, IPython's); skips where jupyter_client or ipykernel are missing
    (fails in CI, which installs the test extra)."""
    from conftest import require_module

    require_module("jupyter_client")
    require_module("ipykernel")
    dirs = {v: tmp_path / "jupyter" / v.lower() for v in ("JUPYTER_DATA_DIR", "JUPYTER_PATH", "JUPYTER_RUNTIME_DIR",
                                                           "JUPYTER_CONFIG_DIR", "IPYTHONDIR")}
    for d in dirs.values():
        d.mkdir(parents=True)
    return dict(user, **{k: str(v) for k, v in dirs.items()})


def kernels_dir(env: dict) -> Path:
    return Path(env["JUPYTER_DATA_DIR"]) / "kernels"


def with_ipykernel(env_dir: Path) -> None:
    """Make the test venv's ipykernel importable in a pip-less env, offline."""
    import sysconfig

    site = next(env_dir.glob("lib/python*/site-packages"))
    (site / "zz_test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")


def start(env: dict, kernel: str) -> str:
    """sys.prefix inside the kernel ``kernel``, started through jupyter_client."""
    proc = subprocess.run([sys.executable, "-c", START, kernel], env=env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return re.search(r"^PREFIX=(.*)$", proc.stdout, re.M).group(1)


def add(env: dict, name: str) -> str:
    proc = cli(env, "kernel", "add", name, check=True)
    directory = Path(proc.stdout.strip())
    assert directory.parent == kernels_dir(env) and (directory / "kernel.json").is_file()
    return directory.name


def test_a_kernel_runs_in_its_env_follows_a_rename_and_goes_with_removal(jupyter, tmp_path):
    env_dir = new_env(jupyter, HOSTILE_NAME)
    with_ipykernel(env_dir)
    kernel = add(jupyter, HOSTILE_NAME)
    spec = json.loads((kernels_dir(jupyter) / kernel / "kernel.json").read_text(encoding="utf-8"))
    assert spec["argv"] == [str(env_dir / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert HOSTILE_NAME in spec["display_name"] and spec["language"] == "python"
    assert start(jupyter, kernel) == str(env_dir)

    # show and ls name it
    shown = json.loads(cli(jupyter, "show", HOSTILE_NAME, "--json", check=True).stdout)
    assert shown["version"] == 2 and shown["environment"]["kernel"] == kernel
    assert f"kernel:  {kernel}" in cli(jupyter, "lsvirtualenv", "-l", check=True).stdout

    # mvvirtualenv: the kernel follows, and starts inside the renamed env
    renamed = "renamed ü"
    cli(jupyter, "mvvirtualenv", HOSTILE_NAME, renamed, check=True)
    new_dir = Path(jupyter["WORKON_HOME"]) / renamed
    listed = json.loads(cli(jupyter, "kernel", "ls", "--json", check=True).stdout)["kernels"]
    assert [(k["environment"], k["path"], k["broken"]) for k in listed] == [(renamed, str(new_dir), None)]
    assert not (kernels_dir(jupyter) / kernel).exists()
    assert start(jupyter, listed[0]["kernel"]) == str(new_dir)

    # rmvirtualenv: its spec is gone
    cli(jupyter, "rmvirtualenv", renamed, check=True)
    assert list(kernels_dir(jupyter).iterdir()) == []
    no_canary(tmp_path)


def test_cpvirtualenv_does_not_copy_the_kernel(jupyter):
    env_dir = new_env(jupyter, "src")
    with_ipykernel(env_dir)
    kernel = add(jupyter, "src")
    cli(jupyter, "cp", "src", "dest", check=True)
    assert sorted(p.name for p in kernels_dir(jupyter).iterdir()) == [kernel]
    assert json.loads(cli(jupyter, "show", "dest", "--json", check=True).stdout)["environment"]["kernel"] is None


def foreign(env: dict, name: str, argv0: str = "/usr/bin/python3") -> Path:
    """A kernelspec someone else wrote (no envwrap marker)."""
    d = kernels_dir(env) / name
    d.mkdir(parents=True)
    (d / "kernel.json").write_text(json.dumps({"argv": [argv0, "-m", "ipykernel_launcher", "-f",
                                                        "{connection_file}"],
                                               "display_name": "theirs", "language": "python"}))
    (d / "logo-64x64.png").write_bytes(b"\x89PNG")
    return d


def test_foreign_kernelspecs_are_never_touched(jupyter):
    env_dir = new_env(jupyter, "web")
    with_ipykernel(env_dir)
    theirs = foreign(jupyter, "web")
    other = foreign(jupyter, "other")
    before = snapshot(kernels_dir(jupyter))
    proc = cli(jupyter, "kernel", "add", "web")
    assert proc.returncode != 0 and one_line(proc.stderr) and "not written by envwrap" in proc.stderr
    proc = cli(jupyter, "kernel", "rm", "web")
    assert proc.returncode != 0 and one_line(proc.stderr)
    proc = cli(jupyter, "kernel", "rm", "other")
    assert proc.returncode != 0 and one_line(proc.stderr)
    assert cli(jupyter, "kernel", "ls", check=True).stdout == ""
    # rename and removal of the env leave them alone too
    cli(jupyter, "mv", "web", "web2", check=True)
    cli(jupyter, "rm", "web2", check=True)
    assert snapshot(kernels_dir(jupyter)) == before
    assert theirs.is_dir() and other.is_dir()


def test_envwraps_spec_for_another_env_of_the_same_name_is_refused(jupyter, tmp_path):
    """Two WORKON_HOMEs with an env of one name: the second add is refused
    (the first one's kernel is kept), and kernel rm by name finds the first."""
    new_env(jupyter, "same")
    with_ipykernel(Path(jupyter["WORKON_HOME"]) / "same")
    kernel = add(jupyter, "same")
    other = dict(jupyter, WORKON_HOME=str(tmp_path / "envs2"))
    (tmp_path / "envs2").mkdir()
    with_ipykernel(new_env(other, "same"))
    before = snapshot(kernels_dir(jupyter))
    proc = cli(other, "kernel", "add", "same")
    assert proc.returncode != 0 and one_line(proc.stderr) and "envwrap's for" in proc.stderr
    assert snapshot(kernels_dir(jupyter)) == before
    # removing the second env leaves the first env's kernel
    cli(other, "rm", "same", check=True)
    assert (kernels_dir(jupyter) / kernel / "kernel.json").is_file()


def test_hostile_names_map_to_valid_unique_kernel_names():
    from envwrap.env.kernels import kernel_name

    names = [*HOSTILE, "web", "Web", "WEB", "a b", "a-b", "a_b", "a.b", "ünï", "üni", "x" * 255, "x" * 254 + "y",
             "python3", "-", "..x", "中" * 80]
    kernels = [kernel_name(n) for n in names]
    assert all(re.fullmatch(r"[a-z0-9._-]+", k) and len(k) <= 255 and not k.startswith(".") for k in kernels), kernels
    assert len({k.lower() for k in kernels}) == len(names)  # Jupyter lowercases directory names
    assert kernel_name("web") == "web" and kernel_name("a-b") == "a-b"
    assert [kernel_name(n) for n in names] == kernels  # stable


def test_no_ipykernel_says_how_to_install_it_and_changes_nothing(jupyter):
    new_env(jupyter, "bare")
    proc = cli(jupyter, "kernel", "add", "bare")
    assert proc.returncode != 0 and one_line(proc.stderr)
    assert "--install" in proc.stderr and "ipykernel" in proc.stderr
    assert not kernels_dir(jupyter).exists() or list(kernels_dir(jupyter).iterdir()) == []


def test_install_puts_ipykernel_in_with_the_envs_installer(jupyter, tmp_path):
    """--install installs ipykernel with the user's pip settings (here a local
    wheelhouse of a stand-in ipykernel whose launcher is importable), then adds
    the kernel."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    dist = "ipykernel-99.0.dist-info"
    write_wheel(wheels / "ipykernel-99.0-py3-none-any.whl", dist, {
        "ipykernel_launcher.py": b"",
        f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: ipykernel\nVersion: 99.0\n",
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: envwrap-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    })
    env = dict(jupyter, PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1")
    env_dir = new_env(env, "inst")
    proc = cli(env, "kernel", "add", "--install", "inst")
    assert proc.returncode == 0, proc.stderr
    assert next(env_dir.glob("lib/python*/site-packages/ipykernel_launcher.py"))
    assert (Path(proc.stdout.strip()) / "kernel.json").is_file()


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_a_kernels_dir_that_cannot_be_written_is_one_line(jupyter):
    env_dir = new_env(jupyter, "ro")
    with_ipykernel(env_dir)
    root = kernels_dir(jupyter)
    root.mkdir()
    if os.geteuid() == 0:  # root writes anywhere a mode forbids: make the directory immutable
        if subprocess.run(["chattr", "+i", str(root)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available here")
        undo = ["chattr", "-i", str(root)]
    else:
        root.chmod(0o555)
        undo = ["chmod", "755", str(root)]
    try:
        proc = cli(jupyter, "kernel", "add", "ro")
        assert proc.returncode != 0 and one_line(proc.stderr) and str(root) in proc.stderr
        assert list(root.iterdir()) == []
    finally:
        subprocess.run(undo, check=True)


def test_register_kernel_at_creation(jupyter):
    """With register_kernel true, a new env that has ipykernel gets its kernel;
    one without gets none (and is made all the same)."""
    cli(jupyter, "config", "register_kernel", "true", check=True)
    cli(jupyter, "new", "--without-pip", "plain", check=True)
    assert not kernels_dir(jupyter).exists() or list(kernels_dir(jupyter).iterdir()) == []
    # an env made with ipykernel importable: a hook puts the .pth in before it is published
    hook = Path(jupyter["WORKON_HOME"]) / "premkvirtualenv"
    import sysconfig

    hook.write_text("#!/bin/sh\nfor s in \"$ENVWRAP_STAGED_ENV\"/lib/python*/site-packages; do\n"
                    f"  echo '{sysconfig.get_paths()['purelib']}' > \"$s/zz_test_venv.pth\"\ndone\n")
    hook.chmod(0o755)
    cli(jupyter, "new", "--without-pip", "nb", check=True)
    listed = json.loads(cli(jupyter, "kernel", "ls", "--json", check=True).stdout)["kernels"]
    assert [k["environment"] for k in listed] == ["nb"]


def test_broken_specs_are_flagged(jupyter):
    env_dir = new_env(jupyter, "gone")
    with_ipykernel(env_dir)
    kernel = add(jupyter, "gone")
    import shutil

    shutil.rmtree(env_dir)  # removed behind envwrap's back
    listed = json.loads(cli(jupyter, "kernel", "ls", "--json", check=True).stdout)["kernels"]
    assert listed[0]["kernel"] == kernel and "gone" in listed[0]["broken"]
    assert "BROKEN" in cli(jupyter, "kernel", "ls", check=True).stdout
    # kernel rm finds it by name although the env is gone
    cli(jupyter, "kernel", "rm", "gone", check=True)
    assert list(kernels_dir(jupyter).iterdir()) == []


def test_an_env_made_again_at_its_path_gets_its_kernel_rewritten(jupyter):
    """A spec envwrap wrote for a path is rewritten when an env is made there
    again (as an upgrade rebuilds one: the display name names the Python now
    there), without the register_kernel setting."""
    import shutil

    env_dir = new_env(jupyter, "again")
    with_ipykernel(env_dir)
    kernel = add(jupyter, "again")
    spec_file = kernels_dir(jupyter) / kernel / "kernel.json"
    data = json.loads(spec_file.read_text(encoding="utf-8"))
    data["display_name"] = "stale"
    spec_file.write_text(json.dumps(data), encoding="utf-8")
    shutil.rmtree(env_dir)
    new_env(jupyter, "again")
    rewritten = json.loads(spec_file.read_text(encoding="utf-8"))
    assert rewritten["display_name"].startswith("Python 3.") and rewritten["display_name"].endswith("(again)")
