"""fish support, in real fish processes: the hook (envwrap/shells/fish/envwrap.fish), the fish
emitter (envwrap/shells/fish/__init__.py), envwrap's activate.fish and fish_quote.

The workflow stories (create, activate, hooks, projects, copy, remove) are told
in fish by tests/shells/test_workflow.py; these are fish's own checks. Each runs a fish
script with ``fish --no-config --private`` under an isolated user (the ``fish``
fixture: ``Shell("fish", ..., mode="script")``, see tests/realshell.py for how
values go in and come back).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envwrap import shells
from envwrap.cli import table as commandtable
from envwrap.shells.fish import quote as fish_quote
from envwrap.shells.posix import quote as posix_quote

from conftest import FAILING_COMMANDS, HOSTILE, no_canary, write_script
from realshell import Shell, requires

ROOT = Path(__file__).resolve().parents[2]
ENVWRAP = Path(sys.executable).parent / "envwrap"
FISH_HOOK = Path(shells.get("fish").hook_file())
FISH_TEMPLATE = Path(shells.get("fish").activate_template_path())

# ----------------------------------------------------------------- static checks


def test_files_parse_and_are_formatted(user, tmp_path):
    fish = requires("fish")
    for path in (FISH_HOOK, FISH_TEMPLATE):
        subprocess.run([fish, "--no-config", "-n", str(path)], check=True)
        indent = shutil.which("fish_indent")
        if indent:
            r = subprocess.run([indent, "--check", str(path)], capture_output=True)
            assert r.returncode == 0, f"{path} is not formatted as fish_indent would: {r.stderr!r}"
    loader = subprocess.run([str(ENVWRAP), "init", "fish"], env=user, check=True,
                            capture_output=True).stdout
    (tmp_path / "init.fish").write_bytes(loader)
    subprocess.run([fish, "--no-config", "-n", str(tmp_path / "init.fish")], check=True)


COMMANDS = [c.name for c in commandtable.COMMANDS]


def test_every_function_has_a_description(fish):
    r = fish.run(r"""
set -l commands (string split ' ' -- $T_COMMANDS)
for f in (functions --all --names) $commands
    string match -q -- '__envwrap_*' $f; or contains -- $f $commands; or continue
    functions -q $f; or continue
    out fn $f (functions --details --verbose $f)[5]
end
""", {"T_COMMANDS": " ".join(COMMANDS)})
    assert r.status == 0, r
    described = {values[0]: values[1] for key, values in r.records if key == "fn"}
    expected = set(COMMANDS) | {"__envwrap_call", "__envwrap_run", "__envwrap_names", "__envwrap_deactivate"}
    assert expected <= set(described), expected - set(described)
    missing = sorted(name for name, desc in described.items() if desc in ("", "n/a"))
    assert not missing, f"functions without --description: {missing}"


# ----------------------------------------------------------------- quoting


def test_quote_fish_round_trips_through_fish():
    """fish_quote, for many generated strings at once, read back by one fish."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    fish_exe = requires("fish")
    alphabet = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    fixed = ["", "'", "\\", "\\'", "'\\", "a\\\\b", "$HOME", "(echo x)", "$(echo x)", "{a,b}", "*", "~",
             "\n", "\r\n", "\t", "\x1b[31m", "\u2018\u2019", "\ufdd0\ufdd1", "\uf600\uf6ff", "\U0001f692",
             *HOSTILE, "end; echo CANARY", "# not a comment"]
    batches: list[list[str]] = [fixed]

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.text(alphabet, max_size=30), min_size=1, max_size=12))
    def collect(values):
        batches.append(values)

    collect()
    values = [v for batch in batches for v in batch]
    script = "printf '%s\\0' " + " ".join(fish_quote(v) for v in values) + "\n"
    proc = subprocess.run([fish_exe, "--no-config", "--private", "-c", script],
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got = proc.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]
    assert len(got) == len(values)
    for want, have in zip(values, got):
        assert have == want


# ----------------------------------------------------------------- the backend call


FAKE_EXE = r"""#!/bin/sh
# Stands in for envwrap: logs its call, dumps the settings it got, and for `sh`
# prints $T_CODE_TEXT and exits with $T_CODE.
printf '%s\n' "$*" >> "$T_LOG"
for v in WORKON_HOME PROJECT_HOME VIRTUALENVWRAPPER_HOOK_DIR VIRTUALENVWRAPPER_PROJECT_FILENAME \
         VIRTUALENVWRAPPER_WORKON_CD VIRTUALENVWRAPPER_VIRTUALENV VIRTUALENVWRAPPER_VIRTUALENV_ARGS \
         ENVWRAP_LOADS; do
    eval "isset=\${$v+x}; value=\${$v-}"
    printf '%s=%s=%s\0' "$v" "$isset" "$value" >> "$T_DUMP"
done
if [ "$1" = sh ]; then
    printf '%s' "${T_CODE_TEXT-}"
    exit "${T_CODE:-0}"
fi
"""


def test_settings_reach_the_backend_even_unexported(fish, tmp_path):
    fake = write_script(tmp_path / "fake-envwrap", FAKE_EXE)
    log, dump = tmp_path / "log", tmp_path / "dump"
    value = "v 'x' \"y\" $z \\ é"
    r = fish.run(r"""
set -g __envwrap_exe $T_FAKE
set -e WORKON_HOME
set -e PROJECT_HOME
set -g WORKON_HOME "$T_VALUE/w"
set -g PROJECT_HOME "$T_VALUE/p"
set -g VIRTUALENVWRAPPER_HOOK_DIR "$T_VALUE/h"
set -g VIRTUALENVWRAPPER_PROJECT_FILENAME .proj
set -g VIRTUALENVWRAPPER_WORKON_CD 0
set -U VIRTUALENVWRAPPER_VIRTUALENV "$T_VALUE/venv"
set -g VIRTUALENVWRAPPER_VIRTUALENV_ARGS --a --b
out exported (yesno set -qx WORKON_HOME) (yesno set -qx VIRTUALENVWRAPPER_HOOK_DIR)
envwrap ls -l
""", {"T_FAKE": str(fake), "T_LOG": str(log), "T_DUMP": str(dump), "T_VALUE": value})
    assert r.status == 0, r
    assert r["exported"] == ["no", "no"]
    got = {}
    for item in dump.read_bytes().decode().split("\0")[:-1]:
        name, isset, val = item.split("=", 2)
        assert isset == "x", f"{name} not passed"
        got[name] = val
    assert got == {
        "WORKON_HOME": f"{value}/w",
        "PROJECT_HOME": f"{value}/p",
        "VIRTUALENVWRAPPER_HOOK_DIR": f"{value}/h",
        "VIRTUALENVWRAPPER_PROJECT_FILENAME": ".proj",
        "VIRTUALENVWRAPPER_WORKON_CD": "0",
        "VIRTUALENVWRAPPER_VIRTUALENV": f"{value}/venv",
        "VIRTUALENVWRAPPER_VIRTUALENV_ARGS": "--a --b",
        "ENVWRAP_LOADS": "1",
    }
    assert log.read_text() == "ls -l\n"


def test_code_is_evaluated_only_on_success(fish, tmp_path):
    fake = write_script(tmp_path / "fake-envwrap", FAKE_EXE)
    r = fish.run(r"""
set -g __envwrap_exe $T_FAKE
set -gx T_CODE_TEXT 'set -g T_EVAL yes'
set -gx T_CODE 3
workon anything
out failed $status (yesno set -q T_EVAL)
set -gx T_CODE_TEXT ''
set -gx T_CODE 0
workon anything
out empty $status
set -gx T_CODE_TEXT 'set -g T_EVAL "$argv"
false
set -g T_AFTER yes'
workon a 'b c'
out ok $status (yesno set -q T_EVAL) (yesno set -q T_AFTER)
""", {"T_FAKE": str(fake), "T_LOG": str(tmp_path / "log"), "T_DUMP": str(tmp_path / "dump")})
    assert r.status == 0, r
    assert r["failed"] == ["3", "no"]
    assert r["empty"] == ["0"]
    # the code ran (in the function: $argv is the command's) and went on past `false`
    assert r["ok"] == ["1", "yes", "yes"]
    assert (tmp_path / "log").read_text().splitlines() == ["sh fish workon anything"] * 2 + ["sh fish workon a b c"]


def test_every_message_goes_where_the_caller_redirects_it(fish, tmp_path):
    """2>file, 2>/dev/null and 2>&1 | ... take every message of every command,
    the backend's included (fish sends the stderr of a command substitution to
    its own stderr whatever was redirected: fish-shell issue #1035)."""
    body = ""
    for i, command in enumerate(FAILING_COMMANDS):
        body += (f"{command} 2>$T_DIR/err-{i}\nout file-{i} $status\n"
                 f"{command} 2>/dev/null\nout null-{i} $status\n"
                 f"out piped-{i} ({command} 2>&1 | string collect)\n")
    body += "cd $T_DIR; mktmpenv --without-pip 2>$T_DIR/err-tmp\nout tmp $status\ndeactivate\n"
    r = fish.run(body, {"T_DIR": str(tmp_path)})
    assert r.status == 0 and r.stdout == "" and r.stderr == "", r
    for i, command in enumerate(FAILING_COMMANDS):
        text = (tmp_path / f"err-{i}").read_text()
        assert text.startswith("envwrap: ") and text.count("\n") == 1, (command, text)
        assert r.one(f"file-{i}") != "0" and r.one(f"null-{i}") != "0", command
        assert r[f"piped-{i}"] == [text.rstrip("\n")], command
    assert r.one("tmp") == "0"
    text = (tmp_path / "err-tmp").read_text()
    assert text.startswith("envwrap: ") and text.count("\n") == 1 and "temporary" in text


# ----------------------------------------------------------------- whole workflows


def test_loading_twice_is_harmless(fish, tmp_path):
    r = fish.run(r"""
set -g n1 (complete -c workon | count)
set -g n2 (complete -c mkvirtualenv | count)
$T_ENVWRAP init fish | source
out loads $__envwrap_loads
out completions $n1 (complete -c workon | count) $n2 (complete -c mkvirtualenv | count)
mkvirtualenv --without-pip twice
out mk $status
deactivate
out deactivate $status (yesno functions -q deactivate)
out doctor (envwrap doctor 2>/dev/null)
""", {"T_ENVWRAP": str(ENVWRAP)})
    assert r.status == 0, r
    assert r.one("loads") == "2"
    n1, m1, n2, m2 = r["completions"]
    assert n1 == m1 and n2 == m2 and int(n1) > 0
    assert r.one("mk") == "0"
    assert r["deactivate"] == ["0", "no"]
    assert any("loaded 2 times" in line for line in r["doctor"])


# ----------------------------------------------------------------- completion


def test_completion_lists_names_without_python(fish, tmp_path):
    home = tmp_path / "envs"
    for name in ("my env", "my other", "mine", ".hidden", "it's $x", "zed"):
        (home / name).mkdir()
        (home / name / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (home / "not an env").mkdir()
    other_home = tmp_path / "other home"
    (other_home / "elsewhere").mkdir(parents=True)
    (other_home / "elsewhere" / "pyvenv.cfg").write_text("")
    log = tmp_path / "calls.log"
    fake = write_script(tmp_path / "fake-envwrap", f'#!/bin/sh\necho "envwrap $*" >> {posix_quote(str(log))}\n')
    fakebin = tmp_path / "fakebin"
    for exe in ("python", "python3", "envwrap"):
        write_script(fakebin / exe, f'#!/bin/sh\necho "{exe} $*" >> {posix_quote(str(log))}\n')
    r = fish.run(r"""
set -g __envwrap_exe $T_FAKE
set -gx PATH $T_FAKEBIN $PATH
for cmd in workon rmvirtualenv cpvirtualenv showvirtualenv
    out $cmd (complete -C "$cmd my\\ ")
end
out all (complete -C 'workon ')
out quoted (complete -C "workon 'my o")
out it (complete -C 'workon it')
out options (complete -C 'workon -')
out mkoptions (complete -C 'mkvirtualenv --')
out creator (complete -C 'mkvirtualenv --creator ')
set -e WORKON_HOME
set -g __envwrap_home $T_OTHER
set -g __envwrap_home_src config
out hint (complete -C 'workon ')
set -g WORKON_HOME ''
out hint_empty (complete -C 'workon ')
""", {"T_FAKE": str(fake), "T_FAKEBIN": str(fakebin), "T_OTHER": str(other_home)})
    assert r.status == 0, r
    for cmd in ("workon", "rmvirtualenv", "cpvirtualenv", "showvirtualenv"):
        assert sorted(r[cmd]) == ["my env", "my other"], cmd
    assert sorted(r["all"]) == sorted(["it's $x", "mine", "my env", "my other", "zed"])
    assert r["quoted"] == ["my other"]
    assert r["it"] == ["it's $x"]
    options = {line.split("\t")[0] for line in r["options"]}
    assert {"-c", "-n", "--cd", "--no-cd"} <= options
    mkoptions = {line.split("\t")[0] for line in r["mkoptions"]}
    assert {"--python", "--without-pip", "--no-pip", "--system-site-packages", "--prompt", "--creator"} <= mkoptions
    assert sorted(line.split("\t")[0] for line in r["creator"]) == ["auto", "uv", "venv", "virtualenv"]
    assert r["hint"] == ["elsewhere"] and r["hint_empty"] == ["elsewhere"]
    assert not log.exists(), f"completion started processes: {log.read_text()}"


@pytest.mark.parametrize("name", HOSTILE[1:3])
def test_tab_completes_directories_inside_the_active_env(fish, tmp_path, name):
    """cdvirtualenv completes the active env's directories, cdsitepackages those
    of its site-packages; nothing without an env or a site-packages (no process)."""
    env = tmp_path / "env $x"
    site = env / "lib" / "python3.99" / "site-packages"
    for d in (env / "bin", env / name, site / name, site / "pkg"):
        d.mkdir(parents=True)
    (env / "a file").write_text("")
    r = fish.run("""
out none (complete -C 'cdvirtualenv ')
set -gx VIRTUAL_ENV $T_ENV
out all (complete -C 'cdvirtualenv ')
out b (complete -C 'cdvirtualenv bi')
out site (complete -C 'cdsitepackages ')
rm -r $T_ENV/lib
out nosite (complete -C 'cdsitepackages ')
""", {"T_ENV": str(env)})
    assert r.status == 0, r
    assert r.all("none") == [[]] and r.all("nosite") == [[]]
    assert sorted(r["all"]) == sorted(["bin/", "lib/", name + "/"])
    assert r["b"] == ["bin/"]
    assert sorted(r["site"]) == sorted(["pkg/", name + "/"])
    no_canary(tmp_path)


def test_tab_inserts_an_escaped_name(user, tmp_path):
    """A real interactive fish: `workon my\\ e<TAB>` becomes `workon my\\ env `."""
    pytest.importorskip("pexpect")
    fish_exe = requires("fish")
    home = tmp_path / "envs"
    for name in ("my env", "other"):
        (home / name).mkdir()
        (home / name / "pyvenv.cfg").write_text("")
    dump = tmp_path / "commandline"
    rc = tmp_path / "rc.fish"
    rc.write_text(
        f"{fish_quote(str(ENVWRAP))} init fish | source\n"
        "function fish_prompt; printf 'READY> '; end\n"
        "function fish_greeting; end\n"
        f"bind \\cx 'commandline >{fish_quote(str(dump))}'\n",
        encoding="utf-8",
    )
    env = dict(user, TERM="xterm")
    child = Shell("fish", env, cwd=tmp_path, argv=[fish_exe, "--no-config", "--private", "-C",
                                                   f"source {fish_quote(str(rc))}"],
                  mode="pty", timeout=20, dimensions=(24, 200)).child
    try:
        child.expect("READY> ")
        child.send("workon my\\ e")
        child.send("\t")
        time.sleep(0.3)
        child.send("\x18")
        deadline = time.monotonic() + 10
        while not dump.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert dump.read_text(encoding="utf-8") == "workon my\\ env \n"
    finally:
        child.sendcontrol("c")
        child.sendline("exit")
        child.close(force=True)


# ----------------------------------------------------------------- the emitter


def test_emitter_output_parses_and_quotes_every_value(user, tmp_path):
    from envwrap.shells import emitter

    value = HOSTILE[1]
    code = emitter("fish").render([
        ("set", "__envwrap_home", value),
        ("leave",),
        ("activate", f"/e/{value}/bin/activate.fish", f"/e/{value}/bin", f"/e/{value}", f"/h/{value}",
         f"/p/{value}"),
        ("source", f"/h/{value}/postactivate.fish"),
        ("cd", f"/p/{value}"),
        ("list",),
    ])
    stubs = r"""
function __envwrap_leave; out leave $argv; end
function source; out source $argv; end
function __envwrap_activated; out activated $argv; end
function __envwrap_source; out hook $argv; end
function cd; out cd $argv; end
function __envwrap_list; out list; end
function run
"""
    with Shell("fish", user, cwd=tmp_path, mode="script") as fish:
        r = fish.run(stubs + code + "end\nrun\nout home $__envwrap_home\n", load=False)
    assert r.status == 0, r.stderr
    records = [[key, *values] for key, values in r.records]
    assert records == [
        ["leave"],
        ["source", f"/e/{value}/bin/activate.fish"],
        ["activated", f"/e/{value}", f"/h/{value}", f"/p/{value}", f"/e/{value}/bin"],
        ["hook", f"/h/{value}/postactivate.fish"],
        ["cd", "--", f"/p/{value}"],
        ["list"],
        ["home", value],
    ]
    no_canary(tmp_path)


def test_init_is_silent_and_process_counts(fish, tmp_path):
    """Loading prints nothing; workon starts one backend process and nothing else,
    deactivate, listing and completion start none."""
    log = tmp_path / "starts.log"
    q = posix_quote
    wrapper = write_script(tmp_path / "counting-envwrap",
                           f'#!/bin/sh\necho envwrap >> {q(str(log))}\nexec {q(str(ENVWRAP))} "$@"\n')
    shims = tmp_path / "shims"
    for name in ("python", "python3"):
        real = shutil.which(name) or sys.executable
        write_script(shims / name, f'#!/bin/sh\necho {name} >> {q(str(log))}\nexec {q(real)} "$@"\n')
    r = fish.run(r"""
$T_ENVWRAP init fish | source >$T_INIT_OUT 2>&1
$T_ENVWRAP init fish | source >>$T_INIT_OUT 2>&1
function starts
    set -l lines (cat $T_LOG)
    printf '' >$T_LOG
    out $argv[1] $lines
end
set -g __envwrap_exe $T_WRAPPER
set -gx PATH $T_SHIMS $PATH
mkvirtualenv --without-pip 'a b'
deactivate
starts setup
workon 'a b'
starts workon
cdvirtualenv
starts cdvirtualenv
deactivate
starts deactivate
workon >/dev/null
starts list
lsvirtualenv -b >/dev/null
starts brief
complete -C 'workon a' >/dev/null
starts complete
""", {"T_ENVWRAP": str(ENVWRAP), "T_INIT_OUT": str(tmp_path / "init.out"), "T_LOG": str(log),
      "T_WRAPPER": str(wrapper), "T_SHIMS": str(shims)}, load=False)
    assert r.status == 0, r
    assert (tmp_path / "init.out").read_bytes() == b""
    assert r["workon"] == ["envwrap"], "workon starts exactly one backend process"
    for key in ("cdvirtualenv", "deactivate", "list", "brief", "complete"):
        assert r[key] == [], f"{key} started processes"


def test_envwrap_config_keeps_to_the_callers_redirection(fish):
    """`envwrap config KEY VALUE` reads the backend's code at the end of a pipe:
    a command substitution would send its stderr to fish's own (fish-shell #1035)."""
    r = fish.run("envwrap config no-such-key x 2>/dev/null; out st $status\n"
                 "envwrap config no-such-key x 2>&1 | string collect >$T_ERR\n",
                 {"T_ERR": str(fish.tmp / "err")})
    assert r.one("st") == "2" and r.stderr == ""
    assert (fish.tmp / "err").read_text().startswith("envwrap: ")


def test_commands_that_only_call_the_backend(fish, tmp_path):
    name = HOSTILE[0]
    env = tmp_path / "envs" / name
    extra = tmp_path / "extra dir"
    extra.mkdir()
    r = fish.run(r"""
mkvirtualenv --without-pip $T_NAME
out show (showvirtualenv)
out sitepackages (lssitepackages --path)
add2virtualenv $T_EXTRA
out add $status
out added (add2virtualenv)
out pth (python -c 'import sys; print(sys.argv[1] in sys.path)' $T_EXTRA)
wipeenv
out wipe $status
toggleglobalsitepackages -q
out toggle $status (string match -r '^include-system-site-packages.*' <$VIRTUAL_ENV/pyvenv.cfg)
out version (envwrap --version)
deactivate
""", {"T_NAME": name, "T_EXTRA": str(extra)})
    assert r.status == 0, r
    assert r["show"][0] == name
    assert Path(r.one("sitepackages")).is_relative_to(env)
    assert r.one("add") == "0"
    assert str(extra) in r["added"]
    assert r.one("pth") == "True"
    assert r["toggle"][0] == "0" and r["toggle"][1].replace(" ", "") == "include-system-site-packages=true"
    assert r.one("wipe") != "0" and "pip" in r.stderr  # an env without pip: refused, with the reason
    assert r.one("version").startswith("envwrap ")
