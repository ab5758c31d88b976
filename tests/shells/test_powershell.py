"""PowerShell support: the hook (envwrap/shells/powershell/envwrap.ps1), the PowerShell emitter
(envwrap/shells/powershell.py), envwrap's Activate.ps1 and powershell_quote.

pwsh cannot be installed on every machine, so most checks need no PowerShell:
every script is parsed with tree-sitter-powershell and must have no ERROR or
MISSING node, and every quoted value is read back with the rules of
PowerShell's own tokenizer (a quote character ' or U+2018..U+201B ends a
verbatim string unless another quote character follows, which it stands for).
The end-to-end tests at the bottom run real pwsh when it is on PATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from envwrap import shells
from envwrap.cli import table as commandtable
from envwrap.shells import activate as activators
from envwrap.shells.powershell import quote as powershell_quote

from conftest import FAILING_COMMANDS, cli, isolated_user, require_creator
from pwsh import (
    PS_PRELUDE,
    PS_QUOTES,
    functions,
    leaves,
    needs_pwsh,
    nodes,
    nodes_of,
    parse,
    ps_unquote,
    run_pwsh,
    statements,
    text,
)

ROOT = Path(__file__).resolve().parents[2]
ENVWRAP = Path(sys.executable).parent / "envwrap"
PS_HOOK = Path(shells.get("powershell").hook_file())
PS_TEMPLATE = Path(shells.get("powershell").activate_template_path())

HOSTILE = [
    "'\";&&e-$ èрт🚒♞中片-j",
    "it's a \"test\" $(touch CANARY) `x` \\back",
    "typographic \u2018x\u2019 \u201ay\u201b \u201cz\u201d $(touch CANARY) @(1) ${HOME} %PATH%",
    "with space; Remove-Item -Recurse CANARY #",
    "[x]*? wildcards",
]


def isolated_env(tmp_path: Path, creator: str | None = None) -> dict:
    env = isolated_user(tmp_path, tmp_path / "cache", creator or os.environ.get("ENVWRAP_TEST_CREATOR", "venv"))
    env.pop("PSModulePath", None)
    return env


@pytest.fixture
def ps_creator(request) -> str | None:
    """Each of CREATORS for the pwsh workflow, else $ENVWRAP_TEST_CREATOR (venv)."""
    param = getattr(request, "param", None)
    return require_creator(param) if param else None


@pytest.fixture
def ps_user(tmp_path, ps_creator) -> dict:
    if not ENVWRAP.exists():
        pytest.fail(f"{ENVWRAP} missing: run the tests with the python envwrap is installed in")
    return isolated_env(tmp_path, ps_creator)


def envwrap(env: dict, *args: str, cwd: Path | None = None) -> str:
    return cli(env, *args, cwd=cwd, check=True).stdout


# ----------------------------------------------------------------- the hook


def test_hook_parses(ps_parser, ps_user):
    source = PS_HOOK.read_text(encoding="utf-8")
    tree, _ = parse(ps_parser, source)
    loader = envwrap(ps_user, "init", "powershell")
    assert loader.endswith(source)
    parse(ps_parser, loader)


def test_loader_is_ascii_even_for_non_ascii_paths(ps_parser, ps_user, tmp_path):
    """Windows PowerShell 5.1 decodes `envwrap init powershell | Out-String` in the
    console code page: the preamble must be ASCII whatever WORKON_HOME is (the
    preamble carries the one used when the user sets none: here the default)."""
    (tmp_path / "hömé 中").mkdir()
    home = tmp_path / "hömé 中" / ".virtualenvs"
    env = dict(ps_user, HOME=str(tmp_path / "hömé 中"))
    loader = envwrap(env, "init", "powershell")
    assert loader.isascii()
    parse(ps_parser, loader)
    import base64
    import re

    encoded = re.search(r"FromBase64String\('([^']*)'\)", loader.splitlines()[1]).group(1)
    assert base64.b64decode(encoded).decode("utf-8") == str(home)


def test_hook_is_windows_powershell_51_syntax(ps_parser):
    """No PowerShell 7 operators (?? ?. and ternaries do not parse at all; && and
    || pipeline chains do), and ASCII only: Windows PowerShell reads a file with
    no byte order mark in the ANSI code page."""
    source = PS_HOOK.read_text(encoding="utf-8")
    tree, _ = parse(ps_parser, source)
    chains = [kind for kind in leaves(tree) if kind in ("&&", "||")]
    assert not chains, "pipeline chain operators need PowerShell 7"
    assert source.isascii(), "envwrap.ps1 must be ASCII"


def test_hook_defines_every_command(ps_parser):
    tree, data = parse(ps_parser, PS_HOOK.read_text(encoding="utf-8"))
    names = {text(data, n) for n in nodes(tree, "function_name")}
    for command in (*(c.name for c in commandtable.COMMANDS), "__envwrap_run", "__envwrap_call",
                    "__envwrap_activate", "__envwrap_leave", "__envwrap_source", "__envwrap_cd",
                    "__envwrap_list", "__envwrap_deactivate", "__envwrap_names"):
        assert f"global:{command}" in names, command
    source = PS_HOOK.read_text(encoding="utf-8")
    assert "Register-ArgumentCompleter -ParameterName EnvName" in source
    for command in ("workon", "rmvirtualenv", "cpvirtualenv", "showvirtualenv"):
        assert f"'{command}'" in source


def test_hook_messages_follow_the_callers_redirection(ps_parser):
    """What the hook itself tells the user goes through __envwrap_say (the
    backend prints it on its stderr, which `2>$null`, `2>file` and `2>&1`
    redirect, and escapes it); $Host.UI.WriteErrorLine, [Console]::Error and
    Write-Host would write to the console whatever the caller redirected. The
    one exception: the message that the backend cannot be found."""
    tree, data = parse(ps_parser, PS_HOOK.read_text(encoding="utf-8"))
    defined = functions(tree, data)
    assert "__envwrap_say" in defined
    for name, node in defined.items():
        body = text(data, node)
        code = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))
        for direct in ("WriteErrorLine", "[Console]::Error", "Write-Host"):
            if name == "__envwrap_call" and direct == "WriteErrorLine":
                assert code.count(direct) == 1 and "cannot find the envwrap command" in code
                continue
            assert direct not in code, (name, direct)


def test_allvirtualenv_is_the_backend_loop_every_shell_uses(ps_parser):
    """allvirtualenv in PowerShell is what it is in bash, zsh and fish: one call
    of the backend, which runs the command in every env with the environment
    `envwrap run` gives it (the behaviour is tested through bash, zsh and fish,
    and through pwsh where it exists); nothing is set by hand here."""
    tree, data = parse(ps_parser, PS_HOOK.read_text(encoding="utf-8"))
    node = functions(tree, data)["allvirtualenv"]
    assigned = {text(data, n.children[0]).strip().lower() for n in nodes_of(node, "assignment_expression")}
    assert not assigned, assigned
    calls = [text(data, n) for n in nodes_of(node, "command")]
    assert calls == ["__envwrap_call allvirtualenv @args"], calls
    for shell, call in (("bash", '__envwrap_call allvirtualenv "$@"'),
                        ("zsh", '__envwrap_call allvirtualenv "$@"'),
                        ("fish", "__envwrap_call allvirtualenv $argv")):
        assert call in Path(shells.get(shell).hook_file()).read_text(encoding="utf-8"), shell


# ----------------------------------------------------------------- Activate.ps1


@pytest.mark.parametrize("windows", [False, True], ids=["posix", "windows"])
@pytest.mark.parametrize("name", HOSTILE)
def test_activate_template_renders_and_parses(ps_parser, name, windows):
    template = PS_TEMPLATE.read_text(encoding="utf-8")
    assert template.startswith("\ufeff"), "Activate.ps1 needs a BOM for Windows PowerShell 5.1"
    if windows:
        root = f"C:\\Users\\o'neil\\envs\\{name}"
        bin_dir = root + "\\Scripts"
    else:
        root = f"/home/o'neil/envs/{name}"
        bin_dir = root + "/bin"
    values = {
        "VENV_DIR": root,
        "BIN_DIR": bin_dir,
        "BIN_NAME": bin_dir.rsplit("\\" if windows else "/", 1)[1],
        "PROMPT": f"({activators.prompt_name(name)}) ",
        "VENV_PROMPT": f"({name}) ",
    }
    rendered = activators.render(template, values, powershell_quote)
    assert "__ENVWRAP_" not in rendered
    tree, data = parse(ps_parser, rendered.lstrip("\ufeff"))
    strings = [ps_unquote(text(data, n)) for n in nodes(tree, "string_literal")
               if text(data, n)[0] in PS_QUOTES]
    for key in ("VENV_DIR", "BIN_DIR", "PROMPT", "VENV_PROMPT"):
        assert values[key] in strings, key
    # the values are what the script assigns, each read back whole
    assignments = {}
    for node in nodes(tree, "assignment_expression"):
        target = text(data, node.children[0])
        value = node.child_by_field_name("value")
        literal = nodes_of(value, "string_literal")
        if target in ("$env:VIRTUAL_ENV", "$env:VIRTUAL_ENV_PROMPT", "$env:PATH") and literal:
            assignments[target] = ps_unquote(text(data, literal[0]))
    assert assignments == {
        "$env:VIRTUAL_ENV": root,
        "$env:VIRTUAL_ENV_PROMPT": f"({name}) ",
        "$env:PATH": bin_dir,
    }


def test_real_env_gets_envwraps_activate_ps1(ps_parser, ps_user, tmp_path):
    name = HOSTILE[2]
    envwrap(ps_user, "new", "--without-pip", name)
    script = tmp_path / "envs" / name / "bin" / "Activate.ps1"
    raw = script.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    tree, data = parse(ps_parser, raw.decode("utf-8-sig"))
    strings = [ps_unquote(text(data, n)) for n in nodes(tree, "string_literal") if text(data, n)[0] in PS_QUOTES]
    assert str(tmp_path / "envs" / name) in strings


# ----------------------------------------------------------------- emitted code


@pytest.mark.parametrize("name", HOSTILE)
def test_emitted_workon_parses_and_quotes_every_value(ps_parser, ps_user, tmp_path, name):
    project = tmp_path / "projects" / f"project of {name}"
    project.mkdir()
    hooks = tmp_path / "envs"
    env = tmp_path / "envs" / name
    envwrap(ps_user, "new", "--without-pip", "-a", str(project), name)
    (hooks / "postactivate.ps1").write_text("$global:T = 1\n")
    (env / "bin" / "postactivate.ps1").write_text("$global:T = 2\n")
    (project / ".virtualenvwrapper").mkdir()
    (project / ".virtualenvwrapper" / "postactivate.ps1").write_text("$global:T = 3\n")
    code = envwrap(ps_user, "sh", "powershell", "workon", name)
    assert statements(ps_parser, code) == [
        ("call", "__envwrap_leave"),
        ("call", "__envwrap_activate", str(env / "bin" / "Activate.ps1"), str(env), str(hooks), str(project),
         str(env / "bin")),
        ("call", "__envwrap_cd", str(project)),  # first, as virtualenvwrapper cds before postactivate
        ("call", "__envwrap_source", str(hooks / "postactivate.ps1")),
        ("call", "__envwrap_source", str(env / "bin" / "postactivate.ps1")),
        ("call", "__envwrap_source", str(project / ".virtualenvwrapper" / "postactivate.ps1")),
    ]
    assert envwrap(ps_user, "sh", "pwsh", "workon", name) == code
    assert not list(tmp_path.rglob("CANARY"))


def test_emitted_code_of_other_commands_parses(ps_parser, ps_user, tmp_path):
    envwrap(ps_user, "new", "--without-pip", HOSTILE[0])
    cases = [
        ["workon"],
        ["mktmpenv", "--without-pip"],
        ["mkvirtualenv", "--without-pip", HOSTILE[1]],
        ["cpvirtualenv", HOSTILE[0], HOSTILE[3]],
        ["mkproject", "--without-pip", HOSTILE[4]],
    ]
    for args in cases:
        stmts = statements(ps_parser, envwrap(ps_user, "sh", "powershell", *args, cwd=tmp_path))
        assert stmts and ("call", "__envwrap_set_home") not in [st[:2] for st in stmts]  # the user's home
    unset = {k: v for k, v in ps_user.items() if k != "WORKON_HOME"}
    assert statements(ps_parser, envwrap(unset, "sh", "powershell", "workon")) == [
        ("call", "__envwrap_set_home", str(tmp_path / "home/.virtualenvs"), "default"),
        ("call", "__envwrap_list")]
    assert statements(ps_parser, envwrap(ps_user, "sh", "powershell", "workon"))[-1] == ("call", "__envwrap_list")
    venv = dict(ps_user, VIRTUAL_ENV=str(tmp_path / "envs" / HOSTILE[0]))
    assert statements(ps_parser, envwrap(venv, "sh", "powershell", "cdvirtualenv", "bin")) == [
        ("call", "__envwrap_cd", str(tmp_path / "envs" / HOSTILE[0] / "bin"))]


def test_emitted_help_is_printed_not_run(ps_parser, ps_user):
    """`CMD --help` of a command that changes the session: one Write-Output of the
    help text (apostrophes and all), nothing else to run."""
    from envwrap.cli.table import PLAN_HANDLERS

    for command in PLAN_HANDLERS:
        stmts = statements(ps_parser, envwrap(ps_user, "sh", "powershell", command, "--help"))
        assert len(stmts) == 1 and stmts[0][:2] == ("call", "Write-Output"), (command, stmts)
        named = {"config": "envwrap config"}.get(command, command.replace("vf-", "vf "))  # fish's vf
        assert stmts[0][2].startswith(f"usage: {named} "), (command, stmts)


def test_emitter_rejects_odd_variable_names():
    from envwrap.shells import emitter

    with pytest.raises(ValueError):
        emitter("powershell").render([("set", "__envwrap_x = 1; rm", "v")])


# ----------------------------------------------------------------- powershell_quote


def test_quote_powershell_is_one_string_token(ps_parser):
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    alphabet = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.text(alphabet, max_size=40), st.text(alphabet, max_size=10))
    @example("'", "")
    @example("\u2018\u2019\u201a\u201b", "'")
    @example("a'", "'b")
    @example("$(touch CANARY) `n ${x} @(1)", "\r\n")
    @example("\u2019", "\u2018")
    def check(value, other):
        quoted = powershell_quote(value)
        assert ps_unquote(quoted) == value
        # as an assignment and as two command arguments: each exactly one token
        tree, data = parse(ps_parser, f"$x = {quoted}\n")
        (literal,) = nodes(tree, "string_literal")
        assert text(data, literal) == quoted
        line = f"cmd {quoted} {powershell_quote(other)}\n"
        tree, data = parse(ps_parser, line)
        got = [ps_unquote(text(data, n)) for n in nodes(tree, "string_literal")]
        assert got == [value, other]

    check()


# ----------------------------------------------------------------- real pwsh

@needs_pwsh
def test_pwsh_hooks(ps_user, tmp_path):
    name = HOSTILE[1]
    envwrap(ps_user, "new", "--without-pip", name)
    env = tmp_path / "envs" / name
    hooks = tmp_path / "envs"
    (hooks / "postactivate.ps1").write_text("$global:T_ORDER += @('global-postactivate')\n")
    (hooks / "predeactivate.ps1").write_text("$global:T_ORDER += @('global-predeactivate')\n")
    (hooks / "postdeactivate.ps1").write_text(
        "$global:T_ORDER += @('global-postdeactivate'); $global:T_LAST = $VIRTUALENVWRAPPER_LAST_VIRTUALENV\n"
        "$global:T_LAST2 = $VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV\n")
    (env / "bin" / "postactivate.ps1").write_text("$global:T_ORDER += @('env-postactivate'); throw 'boom'\n")
    (env / "bin" / "predeactivate.ps1").write_text(
        "$global:T_ORDER += @('env-predeactivate'); $global:T_PRE = $env:VIRTUAL_ENV\n")
    (env / "bin" / "postdeactivate.ps1").write_text("$global:T_ORDER += @('env-postdeactivate')\n")
    records, proc = run_pwsh(ps_user, tmp_path, r"""
$global:T_ORDER = @()
workon $env:T_NAME
Out workon $env:VIRTUAL_ENV
deactivate
Out order @($global:T_ORDER)
Out pre $global:T_PRE
$left = [bool](Get-Variable VIRTUALENVWRAPPER_LAST_VIRTUALENV -Scope Global -ErrorAction SilentlyContinue)
$left2 = [bool](Get-Variable VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV -Scope Global -ErrorAction SilentlyContinue)
Out last $global:T_LAST $left
Out last2 $global:T_LAST2 $left2
""", {"T_NAME": name})
    assert proc.returncode == 0, proc.stderr.decode()
    assert records["workon"] == [str(env)]
    assert records["order"] == ["global-postactivate", "env-postactivate", "env-predeactivate",
                                "global-predeactivate", "env-postdeactivate", "global-postdeactivate"]
    assert records["pre"] == [str(env)]
    assert records["last"] == [str(env), "False"]
    assert records["last2"] == [str(env), "False"]
    assert "boom" in proc.stderr.decode() + proc.stdout.decode()


@needs_pwsh
def test_pwsh_completion_and_no_eval_on_failure(ps_user, tmp_path):
    for name in ("my env", "my other", "mine", ".hidden"):
        (tmp_path / "envs" / name).mkdir()
        (tmp_path / "envs" / name / "pyvenv.cfg").write_text("")
    records, proc = run_pwsh(ps_user, tmp_path, r"""
$line = 'workon my'
$result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
Out names @($result.CompletionMatches | ForEach-Object { $_.CompletionText })
workon 'does not exist'
Out failed $LASTEXITCODE ([string]$env:VIRTUAL_ENV)
""")
    assert proc.returncode == 0, proc.stderr.decode()
    assert sorted(records["names"]) == ["'my env'", "'my other'"]
    assert records["failed"][0] != "0" and records["failed"][1] == ""


@needs_pwsh
def test_pwsh_completes_options_from_the_parsers(ps_user, tmp_path):
    """TAB on a word that starts with '-' offers the command's options, as its
    parser defines them (the options block of envwrap.ps1); names still complete."""
    (tmp_path / "envs" / "my env").mkdir(parents=True)
    (tmp_path / "envs" / "my env" / "pyvenv.cfg").write_text("")
    records, proc = run_pwsh(ps_user, tmp_path, r"""
foreach ($line in @('showvirtualenv --j', 'setvirtualenvproject --f', 'envwrap show --j', 'showvirtualenv my')) {
    $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
    Out $line @($result.CompletionMatches | ForEach-Object { $_.CompletionText })
}
""")
    assert proc.returncode == 0, proc.stderr.decode()
    assert records["showvirtualenv --j"] == ["--json"]
    assert records["setvirtualenvproject --f"] == ["--force"]
    assert records["envwrap show --j"] == ["--json"]
    assert records["showvirtualenv my"] == ["'my env'"]


@needs_pwsh
def test_pwsh_help_tmpenv_rm_and_allvirtualenv(ps_user, tmp_path):
    home = tmp_path / "envs"
    records, proc = run_pwsh(ps_user, tmp_path, r"""
$mk = mkvirtualenv --help | Select-Object -First 1
Out help $mk (cdvirtualenv --help | Select-Object -First 1) (Get-Location).Path
mktmpenv --without-pip
$tmp = $env:VIRTUAL_ENV
Set-Location -LiteralPath ([IO.Path]::Combine($tmp, 'bin'))
deactivate
Out tmp (Get-Location).Path ([IO.Directory]::Exists($tmp))
mkvirtualenv --without-pip 'a b'
deactivate
Set-Location -LiteralPath ([IO.Path]::Combine($env:WORKON_HOME, 'a b', 'bin'))
rmvirtualenv 'a b'
Out rm (Get-Location).Path
mkvirtualenv --without-pip c
deactivate
Out all (allvirtualenv python -c 'print(1)')
""")
    assert proc.returncode == 0, proc.stderr.decode()
    mk, cd, where = records["help"]
    assert mk.startswith("usage: mkvirtualenv ") and cd.startswith("usage: cdvirtualenv ") and where == str(tmp_path)
    assert records["tmp"] == [str(home), "False"]
    assert records["rm"] == [str(home)] and not (home / "a b").exists()
    assert records["all"] == ["c", "=", "1", ""]


def _redirect_body() -> str:
    """Every failing command, with 2>file, 2>$null and 2>&1, status reset first."""
    body = ""
    for i, command in enumerate(FAILING_COMMANDS):
        body += (f"$global:LASTEXITCODE = 0; {command} 2> \"$env:T_DIR/err-{i}\"; Out file-{i} $LASTEXITCODE\n"
                 f"$global:LASTEXITCODE = 0; {command} 2> $null; Out null-{i} $LASTEXITCODE\n"
                 f"Out piped-{i} ({command} 2>&1 | ForEach-Object {{ [string]$_ }})\n")
    return body


ALLVIRTUALENV_BODY = r"""
mkvirtualenv --without-pip $env:T_NAME
deactivate
mkvirtualenv --without-pip plain
deactivate
$before = $env:PATH
$here = (Get-Location).Path
Out each (allvirtualenv python $env:T_SHOW)
Out after ([string]$env:VIRTUAL_ENV) ($env:PATH -ceq $before) ((Get-Location).Path -ceq $here)
$global:LASTEXITCODE = 0
allvirtualenv python $env:T_EXIT 3
Out failing $LASTEXITCODE
$global:LASTEXITCODE = 0
allvirtualenv 2> "$env:T_DIR/all-err"
Out bare $LASTEXITCODE
"""

DEACTIVATE_BODY = r"""
mktmpenv --without-pip
$global:LASTEXITCODE = 5
deactivate
Out removed $LASTEXITCODE
$home_was = $env:WORKON_HOME
mktmpenv --without-pip
$env:WORKON_HOME = $env:T_OTHER
deactivate 2> $null
Out refused $LASTEXITCODE
$env:WORKON_HOME = $home_was
"""


RM_CD_HOME_BODY = r"""
function global:Tab {
    param([string]$Line)
    $result = TabExpansion2 -inputScript $Line -cursorColumn $Line.Length
    @($result.CompletionMatches | ForEach-Object { $_.CompletionText })
}
Out tab0 (Tab 'rmvirtualenv it')
Out tab1 (Tab 'rmvirtualenv plain it')
Out tab2 (Tab 'rmvirtualenv plain plain it')
Out help (rmvirtualenv -h | Select-Object -First 1) (rmvirtualenv --help | Select-Object -First 1)
mkvirtualenv --without-pip x
deactivate
mkvirtualenv --without-pip y
deactivate
rmvirtualenv x y
Out rm $LASTEXITCODE
mkvirtualenv --without-pip z
Set-Location -LiteralPath $env:T_DIR
$global:LASTEXITCODE = 0
cdvirtualenv no-such-dir 2> "$env:T_DIR/cd-err"
Out cd $LASTEXITCODE (Get-Location).Path
deactivate
"""

def test_pwsh_test_bodies_parse(ps_parser):
    """The real-pwsh scripts below are PowerShell that parses, even where pwsh
    cannot run them."""
    for body in (PS_PRELUDE, _redirect_body(), ALLVIRTUALENV_BODY, DEACTIVATE_BODY, RM_CD_HOME_BODY):
        parse(ps_parser, body)


@needs_pwsh
def test_pwsh_every_message_goes_where_the_caller_redirects_it(ps_user, tmp_path):
    records, proc = run_pwsh(ps_user, tmp_path, _redirect_body(), {"T_DIR": str(tmp_path)})
    assert proc.returncode == 0 and proc.stderr == b"" and proc.stdout == b"", proc
    for i, command in enumerate(FAILING_COMMANDS):
        lines = (tmp_path / f"err-{i}").read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) == 1 and lines[0].startswith("envwrap: "), (command, lines)
        assert records[f"file-{i}"] != ["0"] and records[f"null-{i}"] != ["0"], command
        assert records[f"piped-{i}"] == lines, command


@needs_pwsh
def test_pwsh_allvirtualenv_runs_in_each_env_as_run_does(ps_user, tmp_path):
    show = tmp_path / "show.py"
    show.write_text("import os, sys\nprint(sys.prefix + '|' + os.getcwd() + '|' + os.environ['VIRTUAL_ENV_PROMPT'])\n")
    leave = tmp_path / "leave.py"
    leave.write_text("import sys\nsys.exit(int(sys.argv[1]))\n")
    name = HOSTILE[0]
    records, proc = run_pwsh(ps_user, tmp_path, ALLVIRTUALENV_BODY,
                             {"T_NAME": name, "T_SHOW": str(show), "T_EXIT": str(leave), "T_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr.decode()
    envs = tmp_path / "envs"
    # VIRTUAL_ENV_PROMPT is set by Activate.ps1 only
    each = [line for line in records["each"] if "|" in line]  # without the header of each env
    assert sorted(each) == sorted(f"{envs / n}|{envs / n}|({n}) " for n in (name, "plain"))
    assert records["after"] == ["", "True", "True"]
    assert records["failing"] == ["3"]
    assert records["bare"] == ["2"]
    assert (tmp_path / "all-err").read_text(encoding="utf-8-sig").splitlines() == [
        "envwrap: allvirtualenv: name a command to run in every environment"]


@needs_pwsh
def test_pwsh_deactivate_reports_the_removal_of_a_tmpenv(ps_user, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    records, proc = run_pwsh(ps_user, tmp_path, DEACTIVATE_BODY, {"T_OTHER": str(other)})
    assert proc.returncode == 0, proc.stderr.decode()
    assert records["removed"] == ["0"]
    assert records["refused"] not in (["0"], [])


def test_pwsh_driver_code_parses(ps_parser):
    """What tests/realshell.py sends to pwsh (its read loop and every kind of line
    the workflow stories build, with hostile values) is PowerShell that parses,
    even where pwsh cannot run it."""
    from conftest import HOSTILE as NAMES
    from realshell import DIALECTS, Shell

    d = DIALECTS["pwsh"]
    parse(ps_parser, d.LOOP)
    words = Shell.__new__(Shell)
    words.q = d.Q
    for value in [*NAMES, *HOSTILE]:
        for code in (d.load(f"/x/{value}/envwrap"), d.var("VIRTUAL_ENV"), d.set_var("T_X", value),
                     d.unset_var("T_X"), d.export("T_X", value), d.source(f"/h/{value}.ps1"), d.cd(value),
                     d.pwd(), d.has_function("deactivate"), d.complete("workon", value), d.which("python"),
                     d.set_prompt(), d.prompt(), d.set_expr("T_X", d.ref("pwd")),
                     d.append_line(f"/l/{value}", value, "VIRTUALENVWRAPPER_LAST_VIRTUALENV"),
                     Shell.line(words, "mkvirtualenv", "--without-pip", value)):
            parse(ps_parser, code + "\n")


@needs_pwsh
def test_pwsh_rmvirtualenv_tab_and_cdvirtualenv(ps_user, tmp_path):
    """rmvirtualenv completes a name at every position (and still takes -h and
    several names); cdvirtualenv to a missing directory says envwrap's one line
    and stays."""
    home = tmp_path / "envs"
    for name in ("it's here", "plain"):
        (home / name).mkdir(parents=True)
        (home / name / "pyvenv.cfg").write_text("")
    records, proc = run_pwsh(ps_user, tmp_path, RM_CD_HOME_BODY, {"T_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr.decode()
    for i in range(3):
        assert records[f"tab{i}"] == ["'it''s here'"], i
    assert [line.split()[:2] for line in records["help"]] == [["usage:", "rmvirtualenv"]] * 2
    assert records["rm"] == ["0"] and not (home / "x").exists() and not (home / "y").exists()
    assert records["cd"] == ["1", str(tmp_path)]
    assert (tmp_path / "cd-err").read_text(encoding="utf-8-sig").splitlines() == [
        f"envwrap: cdvirtualenv: {home / 'z' / 'no-such-dir'} is not a directory"]


def _hook_function(ps_parser, name: str) -> str:
    tree, data = parse(ps_parser, PS_HOOK.read_text(encoding="utf-8"))
    node = functions(tree, data)[name]
    return text(data, node)


def test_rmvirtualenv_declares_every_argument_as_a_name(ps_parser):
    """TAB completes the parameter an argument binds to: rmvirtualenv's names are
    one parameter taking every argument, so that the second and later names
    complete too (a plain function's $args completes nothing); -h is declared,
    because an advanced function refuses what it does not declare."""
    body = _hook_function(ps_parser, "rmvirtualenv")
    assert "[CmdletBinding()]" in body
    assert "param([Parameter(Position = 0, ValueFromRemainingArguments = $true)][string[]]$EnvName," in body
    assert "[Alias('h')][switch]$Help" in body and "$argv = @('--help')" in body
    assert "$args" not in body


def test_cdvirtualenv_checks_the_directory_before_set_location(ps_parser):
    """Set-Location only under the test that the directory exists; otherwise the
    backend's plan says envwrap's one line (not PowerShell's error record)."""
    body = _hook_function(ps_parser, "cdvirtualenv")
    check = body.index("[IO.Directory]::Exists($target)")
    assert body.index("Set-Location -LiteralPath $target") > check
    assert body.index("} else {", check) < body.index("__envwrap_run cdvirtualenv @words")
    assert body.count("Set-Location") == 1


@needs_pwsh
def test_pwsh_tab_after_p_offers_the_versions_found_quoted(ps_user, tmp_path):
    """mkvirtualenv, mktmpenv, mkproject -p <TAB>: the versions the backend found,
    quoted (unquoted, PowerShell would read 3.10 as 3.1); elsewhere none of them."""
    from conftest import versions_world

    cli(versions_world(ps_user, tmp_path, "3.9.77", "3.10.77"), "pythons", check=True)
    records, proc = run_pwsh(ps_user, tmp_path, r"""
$lines = @('mkvirtualenv -p 3.1', 'mktmpenv --python 3.1', 'mkproject -p 3.1', 'mkvirtualenv -p ', 'mkvirtualenv 3.1')
for ($i = 0; $i -lt $lines.Count; $i++) {
    $r = TabExpansion2 -inputScript $lines[$i] -cursorColumn $lines[$i].Length
    Out "line$i" @($r.CompletionMatches | ForEach-Object { $_.CompletionText })
}
""")
    assert proc.returncode == 0, proc.stderr.decode()
    for i in range(3):
        assert records[f"line{i}"] == ["'3.10'", "'3.10.77'"], i
    assert records["line3"] == ["'3.9'", "'3.9.77'", "'3.10'", "'3.10.77'"]
    assert not [m for m in records.get("line4", []) if m.startswith("'3.")]
