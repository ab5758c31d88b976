"""virtualfish users at home in fish: the `vf` command, virtualfish's events,
VIRTUALFISH_HOME. Everything runs in real fish, with hostile names."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import ENVWRAP, HOSTILE, new_env, no_canary, require_shell
from realshell import Shell, fish_quote

# Every subcommand the issue asks for, plus help.
SUBCOMMANDS = ["new", "activate", "deactivate", "tmp", "rm", "ls", "cd", "cdpackages", "addpath", "connect",
               "project", "workon", "upgrade", "lsprojects", "globalpackages", "all", "help"]

ENVWRAP_QUOTED = fish_quote(str(ENVWRAP))

EVENTS = ["will_activate", "did_activate", "will_deactivate", "did_deactivate", "will_create", "did_create",
          "will_upgrade", "did_upgrade", "did_connect"]

# A handler for each event, plain and :NAME, recording the order and VIRTUAL_ENV.
HANDLERS = "".join(
    f"function __t_{ev} --on-event virtualenv_{ev}; out ev {ev} \"$VIRTUAL_ENV\"; end\n"
    f"function __t_{ev}_named --on-event virtualenv_{ev}:$T_NAME; out ev {ev}:NAME \"$VIRTUAL_ENV\"; end\n"
    for ev in EVENTS
)


def events(run) -> list[tuple[str, str]]:
    return [tuple(values) for values in run.all("ev")]


@pytest.mark.parametrize("name", HOSTILE)
def test_activate_deactivate_connect_emit_virtualfishs_events_in_order(fish, user, tmp_path, name):
    env = new_env(user, name)
    here = tmp_path / "project dir $x"
    here.mkdir()
    r = fish.run(HANDLERS + """
cd $T_HERE
vf activate $T_NAME; or exit 3
out active $VIRTUAL_ENV $PWD
vf connect; or exit 4
vf deactivate; or exit 5
out after "$VIRTUAL_ENV"
""", {"T_NAME": name, "T_HERE": str(here)})
    assert r.status == 0, r.stderr
    e = str(env)
    assert events(r) == [
        ("will_activate", e), ("will_activate:NAME", e), ("did_activate", e), ("did_activate:NAME", e),
        ("did_connect", e), ("did_connect:NAME", e),
        ("will_deactivate", e), ("will_deactivate:NAME", e), ("did_deactivate", e), ("did_deactivate:NAME", e),
    ]
    assert r["active"] == [e, str(here)], "vf activate does not cd"
    assert r.one("after") == ""
    assert (here / ".venv").read_text(encoding="utf-8") == name + "\n"  # virtualfish's format: the name
    no_canary(tmp_path)


def test_workon_and_switching_emit_them_too(fish, user):
    a, b = new_env(user, "a"), new_env(user, HOSTILE[0])
    r = fish.run(HANDLERS + "workon a; workon $T_NAME; deactivate\n", {"T_NAME": HOSTILE[0]})
    assert r.status == 0, r.stderr
    assert [ev for ev, _ in events(r) if not ev.endswith(":NAME")] == [
        "will_activate", "did_activate", "will_deactivate", "did_deactivate", "will_activate", "did_activate",
        "will_deactivate", "did_deactivate"]
    assert ("did_deactivate", str(a)) in events(r) and ("did_activate:NAME", str(b)) in events(r)


def test_new_and_tmp_emit_create_events(fish, user, tmp_path):
    name = HOSTILE[1]
    here = tmp_path / "here"
    here.mkdir()
    r = fish.run(HANDLERS + """
cd $T_HERE
vf new --without-pip --connect $T_NAME; or exit 3
out made $VIRTUAL_ENV
vf tmp --without-pip; or exit 4
set -l tmp $VIRTUAL_ENV
out tmp $tmp
vf deactivate
test -e $tmp; and out tmp-left
exit 0
""", {"T_NAME": name, "T_HERE": str(here)})
    assert r.status == 0, r.stderr
    env = str(Path(user["WORKON_HOME"]) / name)
    assert r.one("made") == env
    evs = events(r)
    first = evs[:evs.index(("did_connect:NAME", env)) + 1]
    assert first == [("will_create", ""), ("will_activate", env), ("will_activate:NAME", env),
                     ("did_activate", env), ("did_activate:NAME", env), ("did_create", env),
                     ("did_create:NAME", env), ("did_connect", env), ("did_connect:NAME", env)]
    assert (here / ".venv").read_text(encoding="utf-8") == name + "\n"
    tmp = r.one("tmp")
    assert ("did_create", tmp) in evs and "tmp-left" not in [k for k, _ in r.records]
    no_canary(tmp_path)


def test_help_lists_every_subcommand_with_a_description(fish):
    r = fish.run("vf help >$T_HELP; vf help connect >$T_ONE; vf nope; out st $status; vf 'a b'; out st2 $status\n"
                 "vf >$T_BARE; out st3 $status\n",
                 {"T_HELP": str(fish.tmp / "help"), "T_ONE": str(fish.tmp / "one"), "T_BARE": str(fish.tmp / "bare")})
    text = (fish.tmp / "help").read_text()
    listed = {line.split()[0]: line.split(None, 1)[1] for line in text.splitlines() if line.startswith("    ")}
    for sub in SUBCOMMANDS:
        assert sub in listed and listed[sub].strip(), sub
    assert set(listed) <= set(SUBCOMMANDS) | {"cdproject"}, "no private helper shows up as a subcommand"
    assert (fish.tmp / "one").read_text().startswith("vf connect: ") and ".venv" in (fish.tmp / "one").read_text()
    assert r.one("st") == "2" and r.one("st2") == "2" and r.one("st3") == "0"
    assert (fish.tmp / "bare").read_text() == text
    errors = r.stderr.splitlines()
    assert len(errors) == 2 and all(line.startswith("envwrap: vf: unknown command") for line in errors)


def test_ls_rm_cd_cdpackages_addpath_all(fish, user, tmp_path):
    name = HOSTILE[2]
    env = new_env(user, name)
    new_env(user, "other")
    extra = tmp_path / "extra path"
    extra.mkdir()
    ls = subprocess.run([str(ENVWRAP), "ls"], env=user, capture_output=True, text=True).stdout.split("\n")
    r = fish.run("""
out ls (vf ls)
vf activate $T_NAME
vf cd; out cd $PWD
vf cdpackages; out pkgs $PWD
vf addpath $T_EXTRA; out addpath $status
out syspath ($VIRTUAL_ENV/bin/python -c 'import sys; print(sys.argv[1] in sys.path)' $T_EXTRA)
vf all python -c 'import sys; print(sys.prefix)' >$T_ALL
vf rm other; out rm $status
vf deactivate
out ls2 (vf ls)
""", {"T_NAME": name, "T_EXTRA": str(extra), "T_ALL": str(tmp_path / "all")})
    assert r.status == 0, r.stderr
    assert sorted(r["ls"]) == sorted(n for n in ls if n) == sorted([name, "other"])
    assert r.one("cd") == str(env)
    assert Path(r.one("pkgs")).name == "site-packages" and r.one("pkgs").startswith(str(env))
    assert r.one("addpath") == "0" and r.one("syspath") == "True"
    assert str(env) in (tmp_path / "all").read_text()
    assert r.one("rm") == "0" and r["ls2"] == [name]
    no_canary(tmp_path)


def test_globalpackages_toggle_enable_disable(fish, user):
    env = new_env(user, "g")
    cfg = env / "pyvenv.cfg"
    r = fish.run("""
vf globalpackages; out a $status
cp $T_CFG $T_CFG.1
vf globalpackages enable -q; out b $status
cp $T_CFG $T_CFG.2
vf globalpackages disable -q; out c $status
cp $T_CFG $T_CFG.3
vf globalpackages bogus; out d $status
""", {"T_CFG": str(cfg)})
    assert [r.one(k) for k in "abcd"] == ["1"] * 4  # no env is active
    assert r.stderr.count("envwrap: vf globalpackages: no environment is active") == 4
    r = fish.run("""
vf activate g
vf globalpackages -q; out a $status
cp $T_CFG $T_CFG.1
vf globalpackages enable -q; out b $status
cp $T_CFG $T_CFG.2
vf globalpackages disable -q; out c $status
cp $T_CFG $T_CFG.3
vf globalpackages disable -q; out d $status
cp $T_CFG $T_CFG.4
vf globalpackages frob; out e $status
""", {"T_CFG": str(cfg)})

    def on(n):
        return "include-system-site-packages = true" in Path(f"{cfg}.{n}").read_text()

    assert [on(1), on(2), on(3), on(4)] == [True, True, False, False]
    assert [r.one(k) for k in "abcde"] == ["0", "0", "0", "0", "2"]


def test_project_workon_lsprojects(fish, user):
    name = HOSTILE[3]
    r = fish.run("""
vf project --without-pip $T_NAME; or exit 3
out made $VIRTUAL_ENV $PWD
vf deactivate
cd /
vf workon $T_NAME; out workon $PWD
out projects (vf lsprojects)
""", {"T_NAME": name})
    assert r.status == 0, r.stderr
    project = str(Path(user["PROJECT_HOME"]) / name)
    assert r["made"] == [str(Path(user["WORKON_HOME"]) / name), project]
    assert r.one("workon") == project
    assert r["projects"] == [name]


def test_upgrade_is_envwrap_upgrade_between_the_events(fish, user):
    new_env(user, "u")
    has_upgrade = subprocess.run([str(ENVWRAP), "upgrade", "--help"], env=user,
                                 capture_output=True).returncode == 0
    r = fish.run(HANDLERS + "vf upgrade -p python3 u; out st $status\n", {"T_NAME": "u"})
    names = [ev for ev, _ in events(r)]
    assert names[:2] == ["will_upgrade", "will_upgrade:NAME"]
    if has_upgrade:  # once `envwrap upgrade` exists (issue 13's other half)
        assert names[2:] == ["did_upgrade", "did_upgrade:NAME"] and r.one("st") == "0"
    else:
        assert names[2:] == [] and r.one("st") != "0", "no did_upgrade when the upgrade failed"


def test_connect_refuses_without_an_env_and_keeps_a_venv_dir(fish, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / ".venv").mkdir()
    r = fish.run("vf connect; out a $status; cd d; vf connect; out b $status; vf connect x y; out c $status\n")
    assert [r.one(k) for k in "abc"] == ["1", "1", "2"]
    assert not (tmp_path / ".venv").exists() and (tmp_path / "d" / ".venv").is_dir()
    assert all(line.startswith("envwrap: vf connect: ") for line in r.stderr.splitlines())


def test_connect_name_into_a_venv_dir_changes_nothing(fish, user, tmp_path):
    """The .venv directory is found before NAME is activated: one line, status 1,
    no env active, no event, the directory as it was."""
    new_env(user, HOSTILE[1])
    (tmp_path / "d" / ".venv").mkdir(parents=True)
    r = fish.run(HANDLERS + "cd d; vf connect $T_NAME; out st $status; out env \"$VIRTUAL_ENV\"\n",
                 {"T_NAME": HOSTILE[1]})
    assert r.one("st") == "1" and r.one("env") == "" and events(r) == []
    assert r.stderr == "envwrap: vf connect: .venv here is a directory; nothing written\n"
    assert list((tmp_path / "d" / ".venv").iterdir()) == []
    no_canary(tmp_path)


def test_connect_never_writes_through_a_planted_link(fish, user, tmp_path):
    """A .venv that is a symbolic link (to a file elsewhere) is refused with one
    line: the file it leads to keeps its content, nothing is activated."""
    new_env(user, HOSTILE[1])
    target = tmp_path / "elsewhere"
    target.write_text("keep me\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / ".venv").symlink_to(target)
    r = fish.run(HANDLERS + "cd d; vf connect $T_NAME; out st $status; out env \"$VIRTUAL_ENV\"\n",
                 {"T_NAME": HOSTILE[1]})
    assert r.one("st") == "1" and r.one("env") == "" and events(r) == []
    assert r.stderr == "envwrap: vf connect: .venv here is a symbolic link; nothing written\n"
    assert target.read_text() == "keep me\n"


# ----------------------------------------------------------------- VIRTUALFISH_HOME


def test_virtualfish_home_is_the_home_when_workon_home_is_unset_in_fish(fish, user, tmp_path):
    vfhome = tmp_path / "vf home"
    vfhome.mkdir()
    fish.env = {k: v for k, v in user.items() if k != "WORKON_HOME"}
    r = fish.run("""
set -g VIRTUALFISH_HOME $T_VF   # virtualfish sets it unexported
vf new --without-pip $T_NAME; or exit 3
out env $VIRTUAL_ENV
vf deactivate
out ls (vf ls)
out home (envwrap config workon_home)
""", {"T_VF": str(vfhome), "T_NAME": HOSTILE[0]})
    assert r.status == 0, r.stderr
    assert r.one("env") == str(vfhome / HOSTILE[0])
    assert r["ls"] == [HOSTILE[0]] and r.one("home") == str(vfhome)
    # WORKON_HOME, when set, still wins.
    r = fish.run("set -g VIRTUALFISH_HOME $T_VF; set -gx WORKON_HOME $T_WH; out ls (vf ls)\n",
                 {"T_VF": str(vfhome), "T_WH": user["WORKON_HOME"]})
    assert r.all("ls") == [[]]


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_virtualfish_home_in_bash_and_zsh(kind, user, tmp_path, envwrap_exe):
    require_shell(kind)
    vfhome = tmp_path / "vf home"
    vfhome.mkdir()
    subprocess.run([str(envwrap_exe), "new", "--without-pip", "x y"], check=True, capture_output=True,
                   env=dict({k: v for k, v in user.items() if k != "WORKON_HOME"}, VIRTUALFISH_HOME=str(vfhome)))
    env = {k: v for k, v in user.items() if k != "WORKON_HOME"}
    sh = Shell(kind, env, cwd=tmp_path)
    try:
        sh.ok(f"VIRTUALFISH_HOME={Shell.quote(str(vfhome))}")  # unexported, as virtualfish users have it
        sh.ok(f'eval "$({Shell.quote(str(envwrap_exe))} init {kind})"')
        assert sh.ok("lsvirtualenv -b").lines == ["x y"]
        sh.ok("workon 'x y'")
        assert sh.var("VIRTUAL_ENV") == str(vfhome / "x y")
        sh.ok("deactivate")
        assert sh.var("WORKON_HOME") in (None, ""), "the user's VIRTUALFISH_HOME is not exported as WORKON_HOME"
    finally:
        sh.close()


def test_tab_completes_subcommands_and_names(fish, user):
    new_env(user, HOSTILE[0])
    r = fish.run("out subs (complete -C 'vf act' | string replace -r '\\t.*' '')\n"
                 "out names (complete -C 'vf activate ' | string replace -r '\\t.*' '')\n"
                 "out rm (complete -C 'vf rm ' | string replace -r '\\t.*' '')\n")
    assert r["subs"] == ["activate"]
    assert r["names"] == [HOSTILE[0]]
    assert r["names"] == r["rm"]


# ----------------------------------------------------------------- issue 18: what virtualfish does


def test_loading_emits_virtualfish_did_setup_plugins_once_vf_exists(fish):
    # virtualfish's loader ends with this event, at every load (its test_loader's
    # test_plugin_setup_event); handlers defined before the load see vf ready.
    r = fish.run("""
function __t_setup --on-event virtualfish_did_setup_plugins
    out setup (functions -q vf; and echo vf-ready)
end
""" + f"{ENVWRAP_QUOTED} init fish | source\n{ENVWRAP_QUOTED} init fish | source\n", load=False)
    assert r.status == 0, r.stderr
    assert r.all("setup") == [["vf-ready"], ["vf-ready"]]


def test_rm_emits_will_remove_and_did_remove_per_name(fish, user, tmp_path):
    gone, stays = HOSTILE[4], "active one"
    new_env(user, gone)
    new_env(user, stays)
    handlers = "".join(
        f"function __t_{ev} --on-event virtualenv_{ev}; out ev {ev}; end\n"
        f"function __t_{ev}_named --on-event virtualenv_{ev}:$T_NAME; out ev {ev}:NAME; end\n"
        f"function __t_{ev}_stays --on-event virtualenv_{ev}:$T_STAYS; out ev {ev}:STAYS; end\n"
        for ev in ("will_remove", "did_remove"))
    r = fish.run(handlers + """
vf activate $T_STAYS
vf rm $T_STAYS 'no such env' $T_NAME; out st $status
out left (vf ls)
""", {"T_NAME": gone, "T_STAYS": stays})
    assert r.one("st") == "1"
    assert r["left"] == [stays], "the active env is refused, the others removed"
    # virtualfish: nothing for the active env it refuses; did_remove only once removed.
    assert [v[0] for v in r.all("ev")] == ["will_remove", "will_remove:NAME", "did_remove", "did_remove:NAME"]
    no_canary(tmp_path)


def test_deactivate_with_nothing_active_is_0_and_a_missing_env_is_2(fish, user):
    new_env(user, "a")
    r = fish.run("""
vf deactivate; out none $status
vf activate 'no such env'; out missing $status
vf activate; out noname $status
vf activate a; out a $status
vf deactivate; out deact $status
out after "$VIRTUAL_ENV"
""")
    assert [r.one(k) for k in ("none", "missing", "noname", "a", "deact")] == ["0", "2", "1", "0", "0"]
    assert r.one("after") == ""


# virtualfish's documentation: the user's fish_prompt shows the env itself.
VF_PROMPT = """
function fish_prompt
    if set -q VIRTUAL_ENV
        echo -n -s '(' (basename "$VIRTUAL_ENV") ') '
    end
    echo -n '> '
end
"""


@pytest.mark.parametrize("setting", ["VIRTUALFISH_HOME", "VIRTUAL_ENV_DISABLE_PROMPT", None])
def test_a_virtualfish_prompt_shows_the_env_once(fish, user, tmp_path, setting):
    home = user["WORKON_HOME"]
    new_env(user, "web")
    sets = {"VIRTUALFISH_HOME": "set -g VIRTUALFISH_HOME $WORKON_HOME\n",
            "VIRTUAL_ENV_DISABLE_PROMPT": "set -gx VIRTUAL_ENV_DISABLE_PROMPT 1\n", None: ""}[setting]
    r = fish.run(VF_PROMPT + sets + """
out before (fish_prompt)
vf activate web; or exit 3
out active (fish_prompt)
workon web; or exit 4
out again (fish_prompt)
vf deactivate
out after (fish_prompt)
""")
    assert r.status == 0, r.stderr
    assert r.one("before") == r.one("after") == "> "
    if setting is None:  # envwrap's default: the env's activate.fish puts the name first
        assert r.one("active").count("web") == 2
    else:
        assert r.one("active") == r.one("again") == "(web) > "
    assert home  # WORKON_HOME is the envs' home, VIRTUALFISH_HOME or not


def test_tmp_stays_in_the_current_directory_before_and_after(fish, tmp_path):
    here = tmp_path / "work dir"
    here.mkdir()
    r = fish.run("""
cd $T_HERE
vf tmp --without-pip; or exit 3
out during $PWD
set -l tmp $VIRTUAL_ENV
vf deactivate
out after $PWD
test -e $tmp; and out left
exit 0
""", {"T_HERE": str(here)})
    assert r.status == 0, r.stderr
    assert r.one("during") == r.one("after") == str(here)
    assert not r.all("left"), "the temporary env is removed"


def test_virtualfish_setup_commands_say_what_replaces_them(fish):
    r = fish.run("""
vf install; out install $status
vf uninstall; out uninstall $status
vf addplugins auto_activation projects; out addplugins $status
vf rmplugins projects; out rmplugins $status
vf help >$T_HELP
""", {"T_HELP": str(fish.tmp / "help")})
    assert [r.one(k) for k in ("install", "uninstall", "addplugins", "rmplugins")] == ["0", "1", "1", "1"]
    lines = r.stderr.splitlines()
    assert len(lines) == 4 and all(line.startswith("envwrap: vf ") and "not needed" in line for line in lines)
    assert "unknown command" not in r.stderr
    assert "envwrap init fish" in lines[0] and "config.fish" in lines[1]
    assert "envwrap config auto_activate true" in lines[2] and "vf project" in lines[2]
    help_words = {line.split()[0] for line in (fish.tmp / "help").read_text().splitlines() if line.startswith("    ")}
    assert not help_words & {"install", "uninstall", "addplugins", "rmplugins", "setup", "vfsetup"}


def test_hints_after_a_vf_command_name_vf_commands(fish, user):
    new_env(user, "a")
    r = fish.run("""
vf activate 'no such env'
vf rm 'no such env'
vf cd
vf cdpackages
vf activate a
vf rm a
vf deactivate
workon 'no such env'
""")
    lines = r.stderr.splitlines()
    assert len(lines) == 6, r.stderr
    assert lines[0].endswith("(vf ls lists them)") and lines[1].endswith("(vf ls lists them)")
    assert lines[2] == "envwrap: vf cd: no environment is active; run vf activate first"
    assert lines[3] == "envwrap: vf cdpackages: no environment is active; name one or run vf activate first"
    assert lines[4] == "envwrap: environment 'a' is active: run vf deactivate first"
    # outside vf, virtualenvwrapper's words, as before
    assert lines[5].endswith("(lsvirtualenv lists them)")
