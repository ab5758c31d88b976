"""Per-environment variables (`envwrap vars`): the store, the command, and what
workon / deactivate / run do with them in real bash, zsh and fish."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envwrap import shells
from envwrap.env import variables as envvars
from envwrap.shells.fish import quote as fish_quote
from envwrap.shells.posix import quote as posix_quote

from conftest import HOSTILE_NAME, cli
from realshell import Shell

ENVWRAP = Path(sys.executable).parent / "envwrap"
HOSTILE_ENV = HOSTILE_NAME  # conftest's one hostile name

# Values: any text an environment variable can hold (no NUL, no lone surrogates).
VALUES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12) | \
    st.sampled_from(["", "'", "\\", "a\nb", "$HOME", "`id`", "$(touch CANARY)", "-n", "%s", "a:b", "\\'"])
KEYS = st.from_regex(r"\AT[A-Za-z0-9_]{0,5}\Z").filter(lambda k: envvars.validate_key(k) is None)
# What a variable was before workon: unset, exported with a value, or a shell
# variable that is set but not exported.
STATES = st.one_of(st.just(("unset", None)), st.tuples(st.just("export"), VALUES),
                   st.tuples(st.just("local"), VALUES))


def backend(user: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return cli(user, *args, check=check)


def make_env(user: dict, name: str) -> Path:
    backend(user, "new", "--without-pip", name)
    return Path(user["WORKON_HOME"]) / name


# ----------------------------------------------------------------- the store


@given(st.dictionaries(KEYS, VALUES, max_size=6))
@settings(max_examples=200, deadline=None)
def test_quick_reader_reads_what_save_writes_as_tomllib_does(tmp_path_factory, values):
    import tomllib

    env = tmp_path_factory.mktemp("env")
    envvars.save(str(env), values)
    text = (env / envvars.FILENAME).read_text(encoding="utf-8") if values else ""
    assert envvars._quick(text) == values
    assert tomllib.loads(text) == values
    assert envvars.load(str(env)) == values


def test_hand_edited_toml_is_read_by_the_full_parser(tmp_path):
    (tmp_path / envvars.FILENAME).write_text("A = 'literal \\ string'\nB = \"\"\"two\nlines\"\"\"\n")
    assert envvars.load(str(tmp_path)) == {"A": "literal \\ string", "B": "two\nlines"}
    (tmp_path / envvars.FILENAME).write_text("PATH = '/x'\n")
    with pytest.raises(Exception, match="PATH"):
        envvars.load(str(tmp_path))


def test_workon_path_does_not_import_tomllib(tmp_path):
    envvars.save(str(tmp_path), {"A": "1\n2", "B": "é"})
    code = ("import sys; from envwrap.env import variables as envvars; v = envvars.load(sys.argv[1]); "
            "print(v == {'A': '1\\n2', 'B': 'é'}, 'tomllib' in sys.modules, 'tomli' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "False"]


@pytest.mark.parametrize("key", ["PATH", "Path", "VIRTUAL_ENV", "VIRTUAL_ENV_PROMPT", "PYTHONHOME", "PS1",
                                 "HOME", "__envwrap_x", "ENVWRAP_X", "VIRTUALENVWRAPPER_HOOK_DIR", "1A", "A-B",
                                 "A B", "A\nB", "", "é", "path", "argv", "fish_greeting", "BASH_ENV", "_"])
def test_refused_keys(key):
    assert envvars.validate_key(key)


@pytest.mark.parametrize("key", ["DJANGO_SETTINGS_MODULE", "AWS_PROFILE", "http_proxy", "_X", "a1", "STATUS"])
def test_accepted_keys(key):
    assert envvars.validate_key(key) is None


# ----------------------------------------------------------------- the command


def test_set_list_unset(user, tmp_path):
    env = make_env(user, HOSTILE_ENV)
    backend(user, "vars", HOSTILE_ENV, "set", "A=1", "B=x=y", "C=", "D=two\nlines")
    out = backend(user, "vars", HOSTILE_ENV)
    assert out.stdout.splitlines() == ["A=1", "B=x=y", "C=", "D=two\\nlines"]
    data = json.loads(backend(user, "vars", HOSTILE_ENV, "--json").stdout)
    assert data["vars"] == {"A": "1", "B": "x=y", "C": "", "D": "two\nlines"}
    backend(user, "vars", HOSTILE_ENV, "set", "A=2")
    backend(user, "vars", HOSTILE_ENV, "unset", "B", "NOT_THERE")
    assert envvars.load(str(env)) == {"A": "2", "C": "", "D": "two\nlines"}
    backend(user, "vars", HOSTILE_ENV, "unset", "A", "C", "D")
    assert not (env / envvars.FILENAME).exists()
    assert not list(tmp_path.rglob("CANARY"))


@pytest.mark.parametrize("args", [["set", "OK=1", "PATH=/x"], ["set", "OK=1", "1BAD=x"], ["set", "NOEQUALS"],
                                  ["unset", "VIRTUAL_ENV"], ["set"], ["frob", "A=1"]])
def test_refused_changes_say_one_line_and_change_nothing(user, args):
    env = make_env(user, "e")
    backend(user, "vars", "e", "set", "KEEP=1")
    before = (env / envvars.FILENAME).read_bytes()
    out = backend(user, "vars", "e", *args, check=False)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and out.stderr.startswith("envwrap: vars: "), out.stderr
    assert (env / envvars.FILENAME).read_bytes() == before


def test_missing_env_is_one_line(user):
    out = backend(user, "vars", "nope", "set", "A=1", check=False)
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1 and "nope" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_active_env_is_the_default(sh, user, tmp_path):
    """With an env active, `envwrap vars [set|unset|--json]` is about it, as
    showvirtualenv, lssitepackages and wipeenv default to it."""
    env = make_env(user, HOSTILE_ENV)
    named_set = make_env(user, "set")  # a name that is also an action
    sh.ok(f"workon {posix_quote(HOSTILE_ENV)}")
    sh.ok("envwrap vars set FOO=1 BAR=2")
    assert envvars.load(str(env)) == {"FOO": "1", "BAR": "2"}
    assert sh.ok("envwrap vars").lines == ["FOO=1", "BAR=2"]
    assert json.loads(sh.ok("envwrap vars --json").stdout)["environment"] == HOSTILE_ENV
    sh.ok("envwrap vars unset BAR")
    assert envvars.load(str(env)) == {"FOO": "1"}
    sh.ok("envwrap vars set set K=V")  # NAME first when an action follows it
    assert envvars.load(str(named_set)) == {"K": "V"} and envvars.load(str(env)) == {"FOO": "1"}
    sh.ok("deactivate")
    r = sh.run("envwrap vars unset FOO")  # (no env is named unset)
    assert r.status == 2 and r.stderr.startswith("envwrap: vars: no environment is active") and \
        len(r.stderr.splitlines()) == 1, r
    assert envvars.load(str(env)) == {"FOO": "1"}
    assert not list(tmp_path.rglob("CANARY"))


def test_help_says_name_is_optional(user):
    out = backend(user, "vars", "--help").stdout
    assert out.startswith("usage: envwrap vars [NAME] [--json]") and "defaults to the active environment" in out


def test_cpvirtualenv_carries_them_and_run_exports_them(user):
    make_env(user, "src")
    backend(user, "vars", "src", "set", "GREETING=hello world", "MULTI=a\nb")
    backend(user, "cp", "src", "copy")
    assert envvars.load(str(Path(user["WORKON_HOME"]) / "copy")) == {"GREETING": "hello world", "MULTI": "a\nb"}
    code = "import json, os; print(json.dumps([os.environ.get('GREETING'), os.environ.get('MULTI')]))"
    out = backend(user, "run", "copy", "--", sys.executable, "-c", code)
    assert json.loads(out.stdout) == ["hello world", "a\nb"]


# ----------------------------------------------------------------- the plan and every emitter


def test_every_emitter_renders_every_step_kind():
    """Each step kind the plan documents has a renderer in every shell."""
    from envwrap.shells import SHELLS, emitter, plan

    kinds = set(re.findall(r'^  \("(\w+)"', plan.__doc__, re.M))
    assert {"vars", "activate", "leave", "home"} <= kinds
    for shell in SHELLS:
        em = emitter(shell)
        missing = [k for k in kinds if not hasattr(em, "_" + k)]
        assert not missing, (shell, missing)
    for shell in SHELLS:
        with pytest.raises(ValueError):
            emitter(shell).render([("vars", (("A; rm -rf /", "v"),))])


def test_workon_code_has_the_vars_step_only_when_there_are_some(user):
    make_env(user, "e")
    plain = backend(user, "sh", "bash", "workon", "e").stdout
    assert "__envwrap_vars_set" not in plain
    backend(user, "vars", "e", "set", "A=$(touch CANARY)")
    code = backend(user, "sh", "bash", "workon", "e").stdout
    assert "__envwrap_vars_set A '$(touch CANARY)'" in code


# ----------------------------------------------------------------- real shells: bash and zsh


ENV_DUMP = "\\command env -0 | \\command sort -z | \\command tr '\\0' '\\036'"


def _environ(text: str) -> dict:
    found = {}
    for item in text.split("\x1e"):
        if item:
            key, _, value = item.partition("=")
            found[key] = value
    found.pop("_", None)  # bash: the last argument of the previous command
    return found


def _posix_state(sh: Shell, key: str) -> str:
    """'unset', 'local:VALUE' or 'export:VALUE' as this shell sees KEY."""
    if sh.kind == "bash":
        r = sh.run(f'[[ -n ${{{key}+x}} ]] || {{ printf unset; exit_=1; }}; [[ -n ${{exit_-}} ]] || '
                   f'{{ [[ ${{{key}@a}} == *x* ]] && printf export: || printf local:; printf %s "${key}"; }}; '
                   'unset exit_')
    else:
        r = sh.run(f'if (( ! ${{+parameters[{key}]}} )); then printf unset; else '
                   f'[[ ${{parameters[{key}]}} == *export* ]] && printf export: || printf local:; '
                   f'printf %s "${key}"; fi')
    return r.stdout


def _posix_prepare(sh: Shell, states: dict) -> None:
    for key, (kind, value) in states.items():
        if kind == "unset":
            sh.ok(f"unset {key}")
        elif kind == "export":
            sh.ok(f"export {key}={posix_quote(value)}")
        else:
            sh.ok(f"unset {key}; {key}={posix_quote(value)}")


@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_workon_then_deactivate_restores_the_whole_environment(sh, user, tmp_path, data):
    env = Path(user["WORKON_HOME"]) / "e"
    if not env.exists():
        make_env(user, "e")
    values = data.draw(st.dictionaries(KEYS, VALUES, min_size=1, max_size=5), "values")
    extra = data.draw(st.lists(KEYS, max_size=2), "untouched")
    states = data.draw(st.fixed_dictionaries({k: STATES for k in [*values, *extra]}), "before")
    envvars.save(str(env), values)
    _posix_prepare(sh, states)
    before_env = _environ(sh.ok(ENV_DUMP).stdout)
    before = {k: _posix_state(sh, k) for k in states}
    sh.ok("workon e")
    for key, value in values.items():
        assert _posix_state(sh, key) == "export:" + value
    sh.ok("deactivate")
    assert {k: _posix_state(sh, k) for k in states} == before
    assert _environ(sh.ok(ENV_DUMP).stdout) == before_env
    assert sh.ok("printf %s \"${__envwrap_undo-}\"").stdout == ""
    assert not list(tmp_path.rglob("CANARY"))


def test_switching_restores_the_first_then_applies_the_second(sh, user):
    make_env(user, "a")
    make_env(user, "b")
    backend(user, "vars", "a", "set", "ONLY_A=a", "BOTH=from a")
    backend(user, "vars", "b", "set", "ONLY_B=b", "BOTH=from b")
    sh.ok("export BOTH=mine; unset ONLY_A ONLY_B")
    sh.ok("workon a")
    assert (sh.var("ONLY_A"), sh.var("BOTH"), sh.var("ONLY_B")) == ("a", "from a", None)
    sh.ok("workon b")
    assert (sh.var("ONLY_A"), sh.var("BOTH"), sh.var("ONLY_B")) == (None, "from b", "b")
    sh.ok("deactivate")
    assert (sh.var("ONLY_A"), sh.var("BOTH"), sh.var("ONLY_B")) == (None, "mine", None)


def test_deactivate_restores_without_any_process(sh, user):
    """With no command reachable on PATH, deactivate still restores every value
    (a process would fail with 'command not found')."""
    make_env(user, "e")
    backend(user, "vars", "e", "set", "A=1", "B=2")
    sh.ok("export A=old; unset B")
    sh.ok("workon e")
    r = sh.run("PATH=/nonexistent; deactivate")
    assert r.status == 0 and r.stderr == "", r
    sh.ok(f"PATH={posix_quote(user['PATH'])}")
    assert (sh.var("A"), sh.var("B")) == ("old", None)


def test_postactivate_hook_sees_them(sh, user):
    env = make_env(user, "e")
    backend(user, "vars", "e", "set", "SETTINGS=site.dev")
    (env / "bin" / "postactivate").write_text('SEEN="$SETTINGS"\n')
    sh.ok("workon e")
    assert sh.var("SEEN") == "site.dev"
    sh.ok("deactivate")


# ----------------------------------------------------------------- real shell: fish


FISH_STATE = r"""
function state
    for k in $argv
        if not set -qg $k
            out $k unset
        else if set -qgx $k
            out $k export (string escape --style=url -- "=$$k")
        else
            out $k local (string escape --style=url -- "=$$k")
        end
    end
end
function dump
    env -0 | sort -z >$argv[1]
end
"""


def _fish_prepare(states: dict) -> str:
    lines = []
    for key, (kind, value) in states.items():
        if kind == "unset":
            lines.append(f"set -e {key}")
        elif kind == "export":
            lines.append(f"set -gx {key} {fish_quote(value)}")
        else:
            lines.append(f"set -e {key}; set -g {key} {fish_quote(value)}")
    return "\n".join(lines) + "\n"


def _run_fish(user: dict, tmp_path: Path, body: str) -> list[tuple[str, list[str]]]:
    with Shell("fish", user, cwd=tmp_path, mode="script") as fish:
        r = fish.run(body, before=FISH_STATE)
    assert r.status == 0 and r.stderr == "", r
    records = []
    for key, vals in r.records:
        if vals[:1] in (["export"], ["local"]):  # the value, url-escaped behind a '='
            vals[1:] = [urllib.parse.unquote(vals[1], errors="surrogateescape")[1:]]
        records.append((key, vals))
    return records


@given(data=st.data())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fish_workon_then_deactivate_restores_the_whole_environment(user, tmp_path, data):
    env = Path(user["WORKON_HOME"]) / "e"
    if not env.exists():
        make_env(user, "e")
    values = data.draw(st.dictionaries(KEYS, VALUES, min_size=1, max_size=5), "values")
    extra = data.draw(st.lists(KEYS, max_size=2), "untouched")
    states = data.draw(st.fixed_dictionaries({k: STATES for k in [*values, *extra]}), "before")
    envvars.save(str(env), values)
    keys = " ".join(states)
    before, after = tmp_path / "before", tmp_path / "after"
    body = _fish_prepare(states) + f"""
state {keys}
dump {fish_quote(str(before))}
out mark
workon e; or exit 3
state {" ".join(values)}
out mark
deactivate; or exit 4
state {keys}
dump {fish_quote(str(after))}
set -q __envwrap_undo; and exit 5
exit 0
"""
    records = _run_fish(user, tmp_path, body)
    first, during, last = (list(g) for g in _split(records))
    assert first == last
    assert during == [(k, ["export", v]) for k, v in values.items()]
    assert before.read_bytes() == after.read_bytes()


def _split(records):
    group = []
    for rec in records:
        if rec[0] == "mark":
            yield group
            group = []
        else:
            group.append(rec)
    yield group


def test_fish_switching_and_no_process(user, tmp_path):
    make_env(user, "a")
    make_env(user, "b")
    backend(user, "vars", "a", "set", "ONLY_A=a", "BOTH=from a")
    backend(user, "vars", "b", "set", "ONLY_B=b", "BOTH=from b")
    records = _run_fish(user, tmp_path, """
set -gx BOTH mine
workon a; state ONLY_A BOTH ONLY_B
workon b; state ONLY_A BOTH ONLY_B
set -l saved $PATH
set PATH /nonexistent
deactivate; or exit 3
set PATH $saved
state ONLY_A BOTH ONLY_B
""")
    assert records == [
        ("ONLY_A", ["export", "a"]), ("BOTH", ["export", "from a"]), ("ONLY_B", ["unset"]),
        ("ONLY_A", ["unset"]), ("BOTH", ["export", "from b"]), ("ONLY_B", ["export", "b"]),
        ("ONLY_A", ["unset"]), ("BOTH", ["export", "mine"]), ("ONLY_B", ["unset"]),
    ]


def test_fish_universal_variable_shows_through_again(user, tmp_path):
    """A universal variable is shadowed by the env's global while active, and
    shows through again after deactivate. Universal variables need fish without
    --no-config/--private; its config dirs are the isolated user's."""
    make_env(user, "e")
    backend(user, "vars", "e", "set", "UNI=env")
    with Shell("fish", user, cwd=tmp_path, argv=["fish"], mode="script") as fish:  # with its config
        r = fish.run("set -Ux UNI universal\nworkon e; echo during=$UNI\ndeactivate\necho after=$UNI\n"
                     "set -qg UNI; and echo global-left\nset -eU UNI\n", prelude=False)
    assert r.stdout.split() == ["during=env", "after=universal"], r


def test_bash_and_zsh_under_set_u(sh, user):
    make_env(user, "e")
    backend(user, "vars", "e", "set", "STRICT=1")
    r = sh.run("set -u; workon e && deactivate; st=$?; set +u; exit_status=$st")
    assert r.status == 0 and r.stderr == "", r
    assert sh.var("exit_status") == "0" and sh.var("STRICT") is None


# ----------------------------------------------------------------- PowerShell (parsed; run where pwsh exists)


def test_powershell_workon_code_parses_and_quotes_the_vars_step(user, ps_parser):
    from pwsh import parse, statements

    parser = ps_parser
    make_env(user, "e")
    hostile = "it's \u2018quoted\u2019 $(x) `n"
    backend(user, "vars", "e", "set", f"A={hostile}", "B=line\nbreak", "C=")
    code = backend(user, "sh", "powershell", "workon", "e").stdout
    parse(parser, code)
    calls = [st for st in statements(parser, code) if st[:2] == ("call", "__envwrap_vars_set")]
    assert calls == [("call", "__envwrap_vars_set", "A", hostile, "B", "line\nbreak", "C", "")]


def test_powershell_hook_restores_in_deactivate():
    source = Path(shells.get("powershell").hook_file()).read_text(encoding="utf-8")
    body = source.split("function global:__envwrap_deactivate", 1)[1].split("\nfunction ", 1)[0]
    assert "__envwrap_undo" in body


def test_pwsh_workon_deactivate_restores(user, tmp_path):
    from pwsh import PWSH, run_pwsh

    if PWSH is None:
        pytest.skip("pwsh not on PATH (not installable on this machine)")
    make_env(user, "e")
    backend(user, "vars", "e", "set", "KEPT=env", "NEWONE=it's")
    records, proc = run_pwsh(user, tmp_path, r"""
$env:KEPT = 'mine'
Remove-Item Env:NEWONE -ErrorAction SilentlyContinue
workon e
Out during $env:KEPT $env:NEWONE
deactivate
Out after $env:KEPT ([string]($null -eq $env:NEWONE))
""")
    assert proc.returncode == 0, proc.stderr.decode()
    assert records["during"] == ["env", "it's"]
    assert records["after"] == ["mine", "True"]
