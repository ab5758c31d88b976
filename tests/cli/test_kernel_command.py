"""``envwrap kernel`` as a user types it: in each real shell with hostile names
(the kernelspec lands in the XDG data dir Jupyter reads, follows mvvirtualenv,
goes with rmvirtualenv), and its bad input (one line, nothing changed)."""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

import pytest

from conftest import HOSTILE, cli, new_env, no_canary, one_line, snapshot


def default_kernels_dir(user: dict) -> Path:
    """Where Jupyter looks with no JUPYTER_DATA_DIR on Linux: $XDG_DATA_HOME/jupyter/kernels."""
    return Path(user["XDG_DATA_HOME"]) / "jupyter" / "kernels"


def with_ipykernel(env_dir: Path) -> None:
    site = next(env_dir.glob("lib/python*/site-packages"))
    (site / "zz_test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")


def specs(root: Path) -> dict[str, dict]:
    if not root.exists():
        return {}
    return {d.name: json.loads((d / "kernel.json").read_text(encoding="utf-8")) for d in root.iterdir()}


@pytest.mark.parametrize("name", [HOSTILE[1], HOSTILE[3]])
def test_kernel_in_each_shell_with_hostile_names(shell, user, tmp_path, name):
    pytest.importorskip("ipykernel")
    with_ipykernel(new_env(user, name))
    root = default_kernels_dir(user)
    r = shell.ok(shell.line("envwrap", "kernel", "add", name))
    (kernel,) = specs(root)
    assert r.lines == [str(root / kernel)]
    assert specs(root)[kernel]["metadata"]["envwrap"]["environment"] == name
    assert f"kernel:  {kernel} (Jupyter)" in shell.ok(shell.line("lsvirtualenv", "-l")).lines
    renamed = name + " 2"
    shell.ok(shell.line("mvvirtualenv", name, renamed))
    ((kernel2, spec),) = specs(root).items()
    new_dir = Path(user["WORKON_HOME"]) / renamed
    assert kernel2 != kernel and spec["argv"][0] == str(new_dir / "bin" / "python")
    assert spec["metadata"]["envwrap"] == {"environment": renamed, "path": str(new_dir)}
    shell.ok(shell.line("rmvirtualenv", renamed))
    assert specs(root) == {}
    no_canary(tmp_path)


BAD = [
    ("kernel",),
    ("kernel", "bogus"),
    ("kernel", "add"),  # no env active
    ("kernel", "add", "nosuch"),
    ("kernel", "add", "--no-such-option", "web"),
    ("kernel", "rm", "web"),  # web has no kernel
    ("kernel", "rm", "../x"),
    ("kernel", "ls", "extra"),
]


@pytest.mark.parametrize("args", BAD, ids=" ".join)
def test_bad_input_is_one_line_and_changes_nothing(user, args):
    new_env(user, "web")
    before = snapshot(Path(user["HOME"]))
    proc = cli(user, *args)
    assert proc.returncode != 0 and one_line(proc.stderr), proc.stderr
    assert proc.stdout == ""
    assert snapshot(Path(user["HOME"])) == before


def test_add_twice_rewrites_its_own_spec_and_help_works(user):
    pytest.importorskip("ipykernel")
    with_ipykernel(new_env(user, "web"))
    first = cli(user, "kernel", "add", "web", check=True).stdout
    assert cli(user, "kernel", "add", "web", check=True).stdout == first == f"{default_kernels_dir(user) / 'web'}\n"
    assert list(specs(default_kernels_dir(user))) == ["web"]
    for args in (("kernel", "--help"), ("kernel", "add", "--help"), ("kernel", "ls", "--help")):
        proc = cli(user, *args, check=True)
        assert proc.stdout.startswith("usage: envwrap kernel") and proc.stderr == ""
    assert "web  web  " in cli(user, "kernel", "ls", check=True).stdout
