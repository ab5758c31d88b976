"""PowerShell without PowerShell, shared by the tests of every folder: its parse
tree (tree-sitter-powershell, through the ``ps_parser`` fixture of conftest.py),
its rule for reading a verbatim string back, the top-level statements of
emitted code, and a runner for real pwsh where it is on PATH."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from envwrap.shells.loader import shell_file

from conftest import ENVWRAP

PS_HOOK = shell_file("powershell")
PS_QUOTES = "'\u2018\u2019\u201a\u201b"


def parse(parser, src: str):
    """The tree of ``src``; fails on any ERROR or MISSING node."""
    data = src.encode("utf-8")
    tree = parser.parse(data)
    bad = []

    def walk(node):
        if node.type == "ERROR" or node.is_missing:
            snippet = data[node.start_byte:node.end_byte][:80].decode("utf-8", "replace")
            bad.append(f"line {node.start_point[0] + 1}: {'MISSING' if node.is_missing else 'ERROR'} {snippet!r}")
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    assert not bad, "PowerShell parse problems:\n" + "\n".join(bad)
    return tree, data


def walk(node):
    """``node`` and everything below it, in document order."""
    yield node
    for child in node.children:
        yield from walk(child)


def nodes_of(node, kind: str):
    return [n for n in walk(node) if n.type == kind]


def nodes(tree, kind: str):
    return nodes_of(tree.root_node, kind)


def leaves(tree) -> list[str]:
    return [n.type for n in walk(tree.root_node) if n.child_count == 0]


def ps_read_verbatim(text: str) -> tuple[str, int]:
    """PowerShell's rule for a single-quoted string starting at text[0]: any of
    the five quote characters opens and closes it; inside, a quote character
    followed by another stands for one (the second, as its tokenizer keeps it).
    Returns (value, index after the end)."""
    assert text and text[0] in PS_QUOTES, text
    out = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch in PS_QUOTES:
            if i + 1 < len(text) and text[i + 1] in PS_QUOTES:
                out.append(text[i + 1])
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise AssertionError(f"unterminated string: {text!r}")


def ps_unquote(token: str) -> str:
    """Read a verbatim string token as PowerShell's tokenizer does."""
    value, end = ps_read_verbatim(token)
    assert end == len(token), f"the string ends early, at {end - 1}: {token!r}"
    return value


def text(data: bytes, node) -> str:
    return data[node.start_byte:node.end_byte].decode("utf-8")


def functions(tree, data) -> dict:
    """Each function of a parsed file: name (without global:) -> its node."""
    found = {}
    for node in nodes(tree, "function_statement"):
        name = text(data, node.child_by_field_name("function_name") or nodes_of(node, "function_name")[0])
        found[name.split(":", 1)[-1]] = node
    return found


def single_string(data: bytes, node) -> str:
    """The value of an expression that must be exactly one verbatim string."""
    strings = nodes_of(node, "string_literal")
    assert len(strings) == 1 and text(data, strings[0]) == text(data, node).strip(), text(data, node)
    return ps_unquote(text(data, strings[0]))


def statements(parser, code: str) -> list[tuple]:
    """Each top-level statement of emitted code as ("call", name, args...) or
    ("set", variable, value), every argument and value read back as a string."""
    tree, data = parse(parser, code)
    out = []
    (top,) = [c for c in tree.root_node.children if c.type == "statement_list"]
    for statement in top.children:
        if statement.type != "pipeline":
            continue
        assignments = nodes_of(statement, "assignment_expression")
        if assignments:
            target = text(data, nodes_of(assignments[0].children[0], "variable")[0])
            value = assignments[0].child_by_field_name("value")
            assert value is not None and not nodes_of(value, "variable"), "a value must be a literal"
            out.append(("set", target, single_string(data, value)))
            continue
        (command,) = nodes_of(statement, "command")
        name = text(data, command.child_by_field_name("command_name") or command.children[0])
        args = []
        for element in nodes_of(command, "command_elements")[:1]:
            for arg in element.children:
                if arg.type == "command_argument_sep":
                    continue
                args.append(single_string(data, arg))
        out.append(("call", name, *args))
    return out


PWSH = shutil.which("pwsh")
needs_pwsh = pytest.mark.skipif(PWSH is None, reason="pwsh not on PATH (not installable on this machine)")

PS_PRELUDE = r"""
$ErrorActionPreference = 'Continue'
function global:Out {
    param([string]$Key)
    $values = @(foreach ($arg in $args) { foreach ($item in @($arg)) { if ($null -ne $item) { [string]$item } } })
    $record = ConvertTo-Json -Compress -InputObject (@($Key) + $values)
    [IO.File]::AppendAllText($env:T_OUT, $record + "`n", (New-Object System.Text.UTF8Encoding -ArgumentList $false))
}
& $env:T_ENVWRAP init powershell | Out-String | Invoke-Expression
function global:prompt { 'P> ' }
"""


def run_pwsh(env: dict, tmp_path: Path, body: str, extra: dict | None = None):
    """Run a pwsh script with envwrap loaded; returns (records, process)."""
    script = tmp_path / "script.ps1"
    script.write_text("\ufeff" + PS_PRELUDE + body, encoding="utf-8")
    out = tmp_path / "records.jsonl"
    run_env = dict(env, T_OUT=str(out), T_ENVWRAP=str(ENVWRAP), **(extra or {}))
    proc = subprocess.run([PWSH, "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(script)],
                          env=run_env, cwd=tmp_path, capture_output=True, timeout=120)
    records: dict = {}
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            key, *values = json.loads(line)
            records[key] = values
    return records, proc
