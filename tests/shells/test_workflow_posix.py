"""What bash and zsh do beyond the workflow stories of test_workflow.py (which
every shell tells): the site-packages commands, listings, settings changed in a
running shell, bad names, the user's own shell state, packages at creation."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CREATORS, HOSTILE, make_wheel, no_canary, require_shell
from realshell import Shell, run_script

q = Shell.quote


EACH_CREATOR = pytest.mark.parametrize("creator", CREATORS, indirect=True)


def _write(path: Path, text: str, executable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if executable:
        path.chmod(0o755)


def test_failing_post_hook_is_silent_and_result_kept(sh, tmp_path):
    """As in virtualenvwrapper, a sourced hook's last status is its own business."""
    home = tmp_path / "envs"
    _write(home / "postactivate", "T_HOOK=ran\nfalse\n")
    r = sh.run("mkvirtualenv --without-pip a")
    assert r.status == 0 and sh.var("VIRTUAL_ENV") == str(home / "a") and sh.var("T_HOOK") == "ran"
    assert "postactivate" not in r.stderr


@EACH_CREATOR
def test_setvirtualenvproject_and_cd_commands(sh, tmp_path):
    other = tmp_path / "elsewhere dir"
    other.mkdir()
    sh.ok("mkvirtualenv --without-pip a")
    sh.ok(f"cd {q(str(other))} && setvirtualenvproject")
    env = tmp_path / "envs" / "a"
    assert (env / ".project").read_text().strip() == str(other)
    sh.ok("cdvirtualenv")
    assert sh.var("PWD") == str(env)
    sh.ok("cdvirtualenv bin")
    assert sh.var("PWD") == str(env / "bin")
    sh.ok("cdsitepackages")
    assert sh.var("PWD").endswith("site-packages")
    sh.ok("cdproject")
    assert sh.var("PWD") == str(other)
    assert "_virtualenv_path_extensions.pth" not in sh.ok("lssitepackages").stdout
    sh.ok(f"add2virtualenv {q(str(other))}")
    assert str(other) in sh.ok("lssitepackages").stdout
    assert sh.ok("python -c 'import sys; print(sys.path)'").stdout.count(str(other)) == 1
    sh.ok(f"add2virtualenv -d {q(str(other))}")
    assert str(other) not in sh.ok("python -c 'import sys; print(sys.path)'").stdout
    cfg = env / "pyvenv.cfg"
    sh.ok("toggleglobalsitepackages -q")
    assert "include-system-site-packages = true" in cfg.read_text()
    sh.ok("toggleglobalsitepackages -q")
    assert "include-system-site-packages = false" in cfg.read_text()


def test_workon_without_name_lists_and_showvirtualenv(sh, tmp_path):
    sh.ok("mkvirtualenv --without-pip b && deactivate && mkvirtualenv --without-pip 'a x' && deactivate")
    assert sh.ok("workon").lines == ["a x", "b"]
    assert sh.ok("lsvirtualenv -b").lines == ["a x", "b"]
    long = sh.ok("lsvirtualenv").stdout
    assert "a x\n===\n" in long and "b\n=\n" in long
    assert "b\n" in sh.ok("showvirtualenv b").stdout


def test_settings_changed_in_running_shell_take_effect(sh, tmp_path):
    other = tmp_path / "other home"
    other.mkdir()
    sh.ok(f"WORKON_HOME={q(str(other))}")  # plain shell variable, unexported
    sh.ok("mkvirtualenv --without-pip x && deactivate")
    assert (other / "x" / "pyvenv.cfg").exists()
    assert sh.ok("lsvirtualenv -b").lines == ["x"]
    assert not (tmp_path / "envs" / "x").exists()


BAD = ["", "a/b", "..", ".", "-x", "new\nline", "../escape", "/"]


@pytest.mark.parametrize("bad", BAD)
def test_bad_names_one_line_nothing_changed(sh, tmp_path, bad):
    home = tmp_path / "envs"
    before = sorted(home.iterdir())
    for cmd in ("mkvirtualenv --without-pip", "workon", "rmvirtualenv", "showvirtualenv", "cpvirtualenv"):
        r = sh.run(f"{cmd} {q(bad)}" + (" dest" if cmd == "cpvirtualenv" else ""))
        assert r.status != 0, (cmd, bad)
        assert r.stderr.startswith("envwrap: ") and r.stderr.count("\n") == 1, (cmd, r.stderr)
        assert "Traceback" not in r.stderr
    assert sorted(home.iterdir()) == before
    assert not (tmp_path / "escape").exists()


def test_missing_and_existing(sh, tmp_path):
    r = sh.run("workon nope")
    assert r.status != 0 and "does not exist" in r.stderr and r.stderr.count("\n") == 1
    sh.ok("mkvirtualenv --without-pip x && deactivate")
    r = sh.run("mkvirtualenv --without-pip x")
    assert r.status != 0 and "already exists" in r.stderr
    assert sh.var("VIRTUAL_ENV") is None
    r = sh.run("mkvirtualenv -p no-such-python-here y")
    assert r.status != 0 and "no-such-python-here" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "envs" / "y").exists()


def test_user_shell_left_intact(sh, tmp_path):
    """No leaked variables, aliases of builtins do not break it, set -u is fine."""
    sh.ok("i=keep_i; a=keep_a; tst=keep_tst; env=keep_env; name=keep_name")
    if sh.kind == "bash":
        sh.ok("shopt -s expand_aliases failglob; set -u")
        sh.ok("alias cd='echo BROKEN'; alias echo='false'; alias printf='false'; alias source='false'")
        sh.ok("alias eval=false")
        listing = "compgen -v | sort"
    else:
        sh.ok("setopt nounset ksharrays shwordsplit")
        sh.ok("alias cd='echo BROKEN'; alias echo='false'; alias printf='false'; alias source='false'")
        listing = "print -rl -- ${(ok)parameters}"
    before = set(sh.ok(listing).lines)
    sh.ok("mkvirtualenv --without-pip 'x y'")
    sh.ok("deactivate")
    sh.ok("workon 'x y'")
    sh.ok("cdvirtualenv")
    sh.ok("deactivate")
    sh.run("workon missing")
    sh.ok("lsvirtualenv -b >/dev/null; workon >/dev/null")
    after = set(sh.ok(listing).lines)
    leaked = {v for v in after - before if not v.startswith("__envwrap_")}
    leaked -= {"OLDPWD", "_", "COMP_WORDBREAKS", "PIPESTATUS", "BASH_REMATCH", "LINENO", "RANDOM", "SECONDS"}
    assert leaked == set()
    for var in ("i", "a", "tst", "env", "name"):
        assert sh.var(var) == f"keep_{var}"


@EACH_CREATOR
def test_mkvirtualenv_with_project_packages_and_requirements(sh, tmp_path):
    project = tmp_path / "proj dir"
    project.mkdir()
    wheel_a = make_wheel(tmp_path, "probe_a", "1.0")
    wheel_b = make_wheel(tmp_path, "probe_b", "2.0")
    req = tmp_path / "req.txt"
    req.write_text(f"{wheel_b}\n")
    sh.ok("export PIP_NO_INDEX=1")
    sh.ok(f"mkvirtualenv -a {q(str(project))} -i {q(str(wheel_a))} -r {q(str(req))} full")
    env = tmp_path / "envs" / "full"
    assert sh.var("VIRTUAL_ENV") == str(env)
    assert sh.var("PWD") == str(project)
    assert (env / ".project").read_text().strip() == str(project)
    assert sh.ok("python -c 'import probe_a, probe_b; print(probe_a.VALUE + probe_b.VALUE)'").stdout == "84\n"
    # a requirement that cannot be installed: nothing is left behind
    bad = tmp_path / "bad.txt"
    bad.write_text("no-such-package-envwrap-test==1\n")
    sh.ok("deactivate")
    r = sh.run(f"mkvirtualenv -r {q(str(bad))} broken")
    assert r.status != 0 and "not created" in r.stderr.splitlines()[-1]
    assert not (tmp_path / "envs" / "broken").exists()
    assert sh.ok("lsvirtualenv -b").lines == ["full"]


def test_get_env_details_hooks_in_long_listing(sh, tmp_path):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv --without-pip 'd e' && deactivate")
    _write(home / "get_env_details", "#!/bin/sh\necho \"global details for $1\"\n", True)
    _write(home / "d e" / "bin" / "get_env_details", "#!/bin/sh\necho \"own details for $1\"\n", True)
    out = sh.ok("lsvirtualenv -l").stdout
    assert "global details for d e\nown details for d e\n" in out
    assert "global details for d e" in sh.ok("showvirtualenv 'd e'").stdout


# What a script under the user's strictest options does: every step returns 0
# and the script goes on (zsh's errexit and err_return ended it at the first
# deactivate: the env's own deactivate had removed the function that the
# following `unfunction` then failed to find).
STRICT_SEQUENCE = """
mkvirtualenv --without-pip a; echo mk
deactivate; echo de
mkvirtualenv --without-pip b; echo mk2
workon a; echo wo
cdvirtualenv; echo cd
deactivate; echo de2
mktmpenv --without-pip; echo tmp
deactivate; echo de3
cpvirtualenv a c; echo cp
deactivate; echo de4
rmvirtualenv c; echo rm
"""


@pytest.mark.parametrize("kind,options", [
    ("zsh", "setopt errexit nounset pipefail"),
    ("zsh", "setopt err_return nounset pipefail"),
    ("bash", "set -euo pipefail"),
])
def test_workon_deactivate_sequences_under_errexit(kind, options, user, envwrap_exe, tmp_path):
    require_shell(kind)
    home = tmp_path / "envs"
    log = tmp_path / "log"
    _write(home / "predeactivate", f"echo pre >> {q(str(log))}\n")
    _write(home / "postdeactivate", f"echo post >> {q(str(log))}\n")
    # err_return acts inside functions: the sequence runs in one.
    script = (f"{options}\neval \"$({q(str(envwrap_exe))} init {kind})\"\n"
              f"sequence() {{{STRICT_SEQUENCE}}}\nsequence\necho done\n")
    argv = {"zsh": ["zsh", "--no-rcs"], "bash": ["bash", "--noprofile", "--norc"]}[kind]
    proc = run_script(kind, user, script, argv=argv, cwd=tmp_path, timeout=300)
    assert proc.status == 0, proc
    assert proc.stdout.split() == ["mk", "de", "mk2", "wo", "cd", "de2", "tmp", "de3", "cp", "de4", "rm", "done"]
    # five deactivations (workon a deactivated b), each with both hooks
    assert log.read_text().split() == ["pre", "post"] * 5
    assert sorted(p.name for p in home.iterdir() if p.is_dir() and p.name[0] != ".") == ["a", "b"]


# TAB in a real bash after quoting typed by hand: an opening quote (with the
# escapes "..." takes inside it), quotes opened after other text, backslash
# escapes, and names that start with a backslash. (typed after `workon `, name)
QUOTED_TAB = [
    ('"my e', "my env"), ("'my e", "my env"), ('"my o', "my other"), ("my\" o", "my other"),
    ('"it\'s \\"quoted\\" \\$HO', HOSTILE[1]), ("'it'\\''s \"quo", HOSTILE[1]), ("it\\'s\\ \\\"quo", HOSTILE[1]),
    ('"back\\\\sl', HOSTILE[2]), ("'back\\sl", HOSTILE[2]), ("back\\\\sl", HOSTILE[2]),
    ("\"'\\\";&&", HOSTILE[3]), ("'fish (touch", HOSTILE[4]), ('"typographic \u2018x\u2019 \u201ay', HOSTILE[5]),
    ("\\\\lead\\ b", "\\lead back"), ('"\\\\lead b', "\\lead back"), ("'\\lead o", "\\lead other"),
    ("it\\'s\" m", "it's my env"),
]


def test_bash_tab_completes_after_quotes_and_backslashes(user, envwrap_exe, tmp_path):
    from conftest import _interactive

    require_shell("bash")
    names = [*HOSTILE, "my env", "my other", "mine", "\\lead back", "\\lead other", "it's my env"]
    for name in names:
        _write(tmp_path / "envs" / name / "pyvenv.cfg", "home = /usr/bin\n")
    child = _interactive("bash", user, envwrap_exe, tmp_path, "")
    try:
        # the completed line, run with its first word replaced: what the shell reads
        child.sendline("__t_show() { printf '<%s>\\n' \"${@:2}\"; }")
        child.expect("PROMPT> ")
        for typed, name in QUOTED_TAB:
            child.send(f"workon {typed}\t\x01__t_show \r")  # TAB, then Ctrl-A
            child.expect(r"<([^\r\n]*)>\r?\n")
            assert child.match.group(1) == name, (typed, child.before)
            child.expect("PROMPT> ")
    finally:
        child.sendline("exit")
        child.close(force=True)
    no_canary(tmp_path)
