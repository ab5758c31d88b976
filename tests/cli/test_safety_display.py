"""What users see: names never sent raw to the terminal, listings for people escaped and machine
formats exact, WORKON_HOME with a path separator refused, pyvenv.cfg read as Python reads it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from envwrap.core.errors import one_line as escaped

from conftest import cli, one_line, q

# ----------------------------------------------------------------- what users see


def test_names_are_never_sent_raw_to_the_terminal(user, envwrap_exe, bash, tmp_path):
    name = "esc\x1b]0;owned title\x07\x1b[31mred"
    projects = tmp_path / "projects"
    r = bash.run(f"mkproject --without-pip {q(name)}")
    assert r.status == 0, r
    outputs = [r.stderr]
    outputs.append(bash.run(f"cd {q(str(projects / name))} && setvirtualenvproject").stderr)
    bash.ok("deactivate")
    outputs.append(bash.run(f"rmvirtualenv {q(name)}").stderr)
    for err in outputs:
        assert "\x1b" not in err and "\x07" not in err, repr(err)


def test_listings_for_people_escape_names_machine_formats_keep_them(user, envwrap_exe, bash, tmp_path):
    """showvirtualenv, lsvirtualenv -l, lssitepackages and envwrap doctor show a
    name's control characters escaped, on stdout too; ls, ls --json and path
    give it back exactly. One env is made by envwrap (it accepts ESC in a name),
    one by hand, as another tool could, with a newline envwrap would refuse."""
    made = "esc\x1b]0;owned title\x07\x1b[31mred\x9b2J"
    by_hand = "hand\nmade\x1b[2J"
    home_dir = tmp_path / "envs"
    assert cli(user, "new", "--without-pip", made).returncode == 0
    (home_dir / by_hand).mkdir()
    (home_dir / by_hand / "pyvenv.cfg").write_text("home = /nowhere\nversion = 3.11.0\n")
    gone = tmp_path / "gone\x1b[5m project"
    (home_dir / made / ".project").write_text(str(gone) + "\n")
    raw = ("\x1b", "\x07", "\x9b")
    shown = {
        "showvirtualenv": bash.run(f"showvirtualenv {q(made)}"),
        "lsvirtualenv -l": bash.run("lsvirtualenv -l"),
        "lsvirtualenv": bash.run("lsvirtualenv"),
        "lssitepackages": bash.run(f"workon {q(made)} && lssitepackages; deactivate"),
    }
    doctor = cli(user, "doctor")
    shown["doctor"] = doctor
    for what, result in shown.items():
        for text in (result.stdout, result.stderr):
            assert not any(c in text for c in raw), (what, text)
    long = shown["lsvirtualenv -l"].stdout
    for name in (made, by_hand):
        assert escaped(name) in long.splitlines(), long  # escaped, whole, on its own line
        assert "=" * len(escaped(name)) in long.splitlines()
    assert f"project: {escaped(str(gone))}" in shown["showvirtualenv"].stdout
    assert doctor.returncode != 0
    assert any(escaped(by_hand) in line and "broken" in line for line in doctor.stdout.splitlines())
    assert any(escaped(str(gone)) in line for line in doctor.stdout.splitlines())
    # machine formats: exact
    assert cli(user, "ls").stdout == "\n".join(sorted([made, by_hand])) + "\n"
    assert sorted(e["name"] for e in json.loads(cli(user, "ls", "--json").stdout)["environments"]) == \
        sorted([made, by_hand])
    assert cli(user, "path", made).stdout == str(home_dir / made) + "\n"


def test_workon_home_with_path_separator_is_refused(user, envwrap_exe, tmp_path):
    if shutil.which("uv", path=user.get("PATH")) is None and not (Path(sys.executable).parent / "uv").exists():
        pytest.skip("uv is not installed (venv and virtualenv refuse such paths themselves)")
    wh = tmp_path / "home:."
    proc = cli(dict(user, WORKON_HOME=str(wh)), "new", "--creator", "uv", "--without-pip", "x")
    assert proc.returncode != 0 and one_line(proc.stderr)


def test_pyvenv_cfg_read_as_python_reads_it(user, envwrap_exe, tmp_path):
    wh = tmp_path / "vt\x0bhome = nowhere"
    wh.mkdir()
    env = dict(user, WORKON_HOME=str(wh))
    assert cli(env, "new", "--without-pip", "x").returncode == 0
    assert json.loads(cli(env, "ls", "--json").stdout)["environments"][0]["broken"] is None


# C1 controls (U+009B is CSI: "\x9b2J" clears a terminal that reads 8-bit
# controls) and a bidi override (U+202E shows the rest of the line reversed).
PROMPT_HOSTILE = "c1\x9b2Jnext\x85\u202eevil\u2066iso"
PROMPT_RAW = ("\x9b", "\x85", "\u202e", "\u2066")


@pytest.mark.parametrize("how", ["workon", "activate"])
def test_prompts_never_carry_c1_controls_or_bidi_overrides(how, shell, user, tmp_path):
    """PS1 (fish_prompt, the PowerShell prompt) shows the display-safe name, and
    VIRTUAL_ENV_PROMPT, which prompt themes print, the name escaped as messages
    escape it; whether the env is entered by workon or by its bin/activate."""
    from envwrap.shells.activate import prompt_name

    from conftest import new_env

    name = "c1\x9b2Jnext\u202eevil\u2066iso"  # U+0085 is a line break: names refuse it
    env = new_env(user, name)
    shell.ok(shell.dialect.set_prompt())
    if how == "workon":
        shell.ok(shell.line("workon", name))
    else:
        script = {"fish": "activate.fish", "pwsh": "Activate.ps1"}.get(shell.kind, "activate")
        shell.ok(shell.dialect.source(str(env / "bin" / script)))
    assert shell.var("VIRTUAL_ENV") == str(env)
    value = shell.var("VIRTUAL_ENV_PROMPT")
    prompt = shell.prompt()
    for raw in PROMPT_RAW:
        assert raw not in value and raw not in prompt, (raw, value, prompt)
    assert value == f"({escaped(name)}) "
    assert f"({prompt_name(name)}) " in prompt
    # a prompt chosen with --prompt (pyvenv.cfg's) is escaped alike
    new_env(user, "plain", "--prompt", PROMPT_HOSTILE)
    shell.ok(shell.line("workon", "plain"))
    value = shell.var("VIRTUAL_ENV_PROMPT")
    assert value == f"({escaped(PROMPT_HOSTILE)}) " and not any(raw in shell.prompt() for raw in PROMPT_RAW)
