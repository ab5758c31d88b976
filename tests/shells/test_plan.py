"""Plan steps: Plan checks every step once, where it is made, and every shell's
emitter implements every step kind, so that no plan can reach a shell as a
traceback or as half its code."""

from __future__ import annotations

import subprocess

import pytest

from envwrap import shells
from envwrap.shells.plan import STEPS, Plan, PlanError

from conftest import require_shell
from pwsh import parse

HOSTILE = "'\";&&e-$ èрт🚒♞中片-j `x` $(y) \\ \u2019"


def every_step() -> Plan:
    plan = Plan()
    plan.leave()
    plan.activate(f"/e/{HOSTILE}/bin/activate", f"/e/{HOSTILE}/bin", f"/e/{HOSTILE}", f"/h/{HOSTILE}", f"/p/{HOSTILE}")
    plan.vars({"ENVWRAP_T_A": HOSTILE, "ENVWRAP_T_B": ""})
    plan.steps.append(("source", f"/h/{HOSTILE}/postactivate"))  # source_if_exists wants a real file
    plan.cd(f"/p/{HOSTILE}")
    plan.set("__envwrap_t", HOSTILE)
    plan.home(f"/w/{HOSTILE}", "config")
    plan.list()
    plan.print(HOSTILE)
    assert sorted({step[0] for step in plan.steps}) == sorted(STEPS)
    return plan


@pytest.mark.parametrize("shell", shells.SHELLS)
def test_every_emitter_implements_exactly_the_step_kinds(shell):
    emitter = shells.emitter(shell)
    kinds = {name[1:] for name in dir(type(emitter)) if name.startswith("_") and not name.startswith("__")}
    assert kinds == set(STEPS), f"{shell}: missing {set(STEPS) - kinds}, unknown {kinds - set(STEPS)}"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_every_step_renders_to_code_the_shell_reads(shell, tmp_path):
    code = shells.emitter(shell).render(every_step().steps)
    assert code.count("\n") >= len(STEPS)
    script = tmp_path / "plan"
    script.write_text(code, encoding="utf-8")
    r = subprocess.run([require_shell(shell), "-n", str(script)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr, r.stderr


def test_every_step_renders_to_powershell_that_parses(ps_parser):
    parse(ps_parser, shells.emitter("powershell").render(every_step().steps))


@pytest.mark.parametrize("make", [
    lambda p: p._step("launch", "x"),                      # no such kind
    lambda p: p._step("cd"),                               # too few values
    lambda p: p._step("leave", "x"),                       # too many
    lambda p: p.cd(""),                                    # an empty path
    lambda p: p._step("cd", 3),                            # not a string
    lambda p: p.set("PATH", "x"),                          # not envwrap's own variable
    lambda p: p.set("__envwrap_a b", "x"),
    lambda p: p.home("/w", "guess"),                       # where WORKON_HOME came from: config or default
    lambda p: p.vars({"NOT-A-NAME": "x"}),
    lambda p: p._step("vars", (("A", 1),)),
])
def test_a_bad_step_is_a_plan_error_and_adds_nothing(make):
    plan = Plan()
    plan.leave()
    with pytest.raises(PlanError):
        make(plan)
    assert plan.steps == [("leave",)]


def test_an_emitter_without_a_step_says_which(monkeypatch):
    emitter = shells.emitter("bash")
    monkeypatch.delattr(type(emitter), "_list")
    with pytest.raises(PlanError, match="bash emitter has no step 'list'"):
        emitter.render([("list",)])
