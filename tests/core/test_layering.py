"""The package's shape, pinned (issue 20): folders by axis of change, no import
circles, few floors, small modules, and per-shell facts kept in envwrap/shells/.

Read from the source (ast), not by importing: every ``import`` statement counts,
at module level or inside a function, since a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "envwrap"
# Modules left out of the package's layering: none (the shell generator, a
# development tool, is tools/gen_shells.py, outside the package).
OUTSIDE: set[str] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name not in OUTSIDE:
            found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The envwrap modules ``name`` imports (a package's __init__ counts only when
    the import names the package itself, not one of its submodules)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                       for a in node.names]
        else:
            continue
        out.update(t for t in targets if t in modules and t != name)
    # __import__(f"envwrap.cli.{module}") in the table: the rows name the targets;
    # a string is not an import edge (that is the point of naming handlers).
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def floors(graph: dict[str, set[str]]) -> dict[str, int]:
    """A module's floor: 1 + the highest floor it imports (1: imports no envwrap module)."""
    memo: dict[str, int] = {}

    def floor(v):
        if v not in memo:
            memo[v] = 0  # a circle would loop: test_no_import_circles reports it
            memo[v] = 1 + max((floor(w) for w in graph[v]), default=0)
        return memo[v]

    return {v: floor(v) for v in graph}


def test_no_import_circles():
    assert _cycles(_graph()) == []


def test_at_most_ten_import_floors():
    graph = _graph()
    assert not _cycles(graph)
    height = floors(graph)
    assert max(height.values()) <= 10, sorted(height.items(), key=lambda kv: -kv[1])[:5]


def test_no_module_over_450_lines():
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450}
    assert long == {}


def test_few_modules_at_the_top_and_subpackages_below():
    top = [p.name for p in PACKAGE.glob("*.py")]
    packages = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
    assert len(top) <= 8, top
    assert {"core", "env", "seeding", "shells", "cli"} <= set(packages), packages


def _layer_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_core_imports_nothing_above_it_and_env_no_cli():
    graph = _graph()
    for name, deps in graph.items():
        layer = _layer_of(name)
        if layer == "core":
            assert {d for d in deps if _layer_of(d) != "core"} == set(), name
        if layer == "env":
            assert {d for d in deps if _layer_of(d) == "cli"} == set(), name


# `shell == "fish"`, `shell != "powershell"`, `kind in ("bash", "zsh")`, ... : a
# comparison with a shell's name. Per-shell facts are methods of that shell's
# class in envwrap/shells/; everywhere else asks the class.
SHELL_NAMES = ("bash", "zsh", "fish", "powershell", "pwsh", "sh")
_NAME = "|".join(SHELL_NAMES)
COMPARISON = re.compile(rf"""(==|!=)\s*["']({_NAME})["']|["']({_NAME})["']\s*(==|!=)"""
                        rf"""|\bin\s*[(\[{{]\s*["']({_NAME})["']""")


def shell_comparisons(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "shells":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if COMPARISON.search(line.split("#", 1)[0]):
                found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_the_shell_comparison_grep_finds_one(tmp_path):
    """The grep below can fail: it finds each form of comparison it looks for."""
    (tmp_path / "m.py").write_text('if shell == "fish":\n    pass\nif kind in ("bash", "zsh"):\n    pass\n'
                                   'if "powershell" != s:\n    pass\nx = "fish"  # a name, no comparison\n')
    assert [line.split(":")[1] for line in shell_comparisons(tmp_path)] == ["1", "3", "5"]


def test_no_shell_comparisons_outside_shells():
    assert shell_comparisons() == []


def test_every_shell_has_its_class_in_its_folder():
    """Each descriptor's class (how envwrap starts the shell, sources its hook
    file, orders its listing) lives in envwrap/shells/<name>/."""
    from envwrap import shells

    for name, desc in shells.BY_NAME.items():
        assert (PACKAGE / "shells" / name / "__init__.py").is_file(), name
        impl = desc.impl()
        assert impl.name == name and callable(impl.subshell_argv) and callable(impl.source_line), name
        if desc.listing_order:
            assert shells.listing_shell(desc.listing_order) is desc and callable(impl.sort_listing), name


def test_a_plan_is_pure_data():
    """envwrap/shells/plan.py decides nothing from the file system: it imports
    no module that could look (os only for type hints, never at run time) and
    calls no open()."""
    tree = ast.parse((PACKAGE / "shells" / "plan.py").read_text(encoding="utf-8"))
    runtime_imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
                       and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
    assert runtime_imports == []
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "open" not in calls and "__import__" not in calls


def test_every_handler_the_table_names_exists_and_imports_only_its_module():
    """Adding a command is its row (naming its handler) plus the handler: each
    "module:function" resolves, and dispatch imports no other command module."""
    import subprocess
    import sys

    from envwrap.cli import table

    specs = set(table.VERB_HANDLERS.values()) | set(table.PLAN_HANDLERS.values())
    assert all(callable(table.handler(spec)) for spec in specs)
    families = {spec.partition(":")[0] for spec in specs} - {"dispatch"}
    code = ("import sys; from envwrap.cli import main\n"
            "try:\n    main(['path', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('envwrap.cli.')))")
    loaded = ast.literal_eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                             check=True).stdout.splitlines()[-1])
    assert {m.rpartition(".")[2] for m in loaded} & families == {"environments"}, loaded


def test_the_vf_table_is_fishs_vf():
    """cli.table.VF_ROWS and fish's vf agree: one function __envwrap_vf_SUB per
    row, with the row's description (what `vf help` prints), and no other."""
    from envwrap.cli import table

    fish = (PACKAGE / "shells" / "fish" / "envwrap.fish").read_text(encoding="utf-8")
    found = {m[0]: m[2] for m in re.findall(r"^function __envwrap_vf_([a-z]+) --description (['\"])(.*?)\2",
                                            fish, re.M)}
    # (__envwrap_vf_register_completions, vf's TAB registration, has an underscore)
    assert found == {sub: summary for sub, _, summary, _ in table.VF_ROWS}
    # the plain aliases are generated from the table: their bodies are its last column
    bodies = dict(re.findall(r"^function __envwrap_vf_([a-z]+) --description .*\n    (.*)\nend$", fish, re.M))
    aliases = {sub: body for sub, _, _, body in table.VF_ROWS if body}
    assert aliases and {sub: bodies.get(sub) for sub in aliases} == aliases


def test_every_envwrap_variable_is_a_setting_or_declared_internal():
    """The settings table is the one place a setting is declared: every
    ENVWRAP_* variable named in the package or the shell files is a row's
    variable or one envwrap sets for itself (settings.INTERNAL)."""
    from envwrap.core import settings

    texts = [p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")]
    texts += [p.read_text(encoding="utf-8") for p in (PACKAGE.parent / "shell").glob("envwrap.*")]
    named = {m for text in texts for m in re.findall(r"\bENVWRAP_[A-Z][A-Z_]*[A-Z]\b", text)}
    declared = {s.variable for s in settings.SETTINGS} | set(settings.INTERNAL)
    assert named - declared == set()
    assert "ENVWRAP_INSTALLER" in named  # the search finds them


def test_the_settings_the_shells_pass_come_from_the_table():
    """activation.CALL_SETTINGS (the variables every shell's __envwrap_call
    passes, generated from it) are the table's "passed" columns; the caller's
    own variables (CALL_ONLY) are declared internal, not settings."""
    from envwrap.core import settings
    from envwrap.env import activation

    assert activation.CALL_SETTINGS == settings.call_variables()
    assert set(activation.CALL_ONLY) <= set(settings.INTERNAL)


def test_the_shells_descriptor_is_passed_down_not_looked_up():
    """envwrap sh's dispatch looks the shell's descriptor up once and passes it
    to the plan's handler; the plan commands and the env modules below them
    (hooks, trust) take it as an argument, never look a shell up by name."""
    lookup = re.compile(r"shells\.(get|emitter)\(|from envwrap\.shells import [^\n]*\bget\b|BY_NAME\[")
    places = [PACKAGE / "cli" / "plans.py", *sorted((PACKAGE / "env").glob("*.py"))]
    found = [p.name for p in places if lookup.search(p.read_text(encoding="utf-8"))]
    assert found == []
    assert "shells.get(name)" in (PACKAGE / "cli" / "dispatch.py").read_text(encoding="utf-8")
