"""fish's hook file cut into the pieces fish loads by itself (``envwrap init fish --write``).

fish sources every ``conf.d/*.fish`` at start, but a function in
``functions/NAME.fish`` only when NAME is first called (and a completion file
``completions/CMD.fish`` only at the first TAB after CMD). So the one source file,
``fish/envwrap.fish``, is split mechanically, at write time:

- every top-level ``function NAME`` block (with the comment lines right above it)
  becomes ``functions/NAME.fish``;
- except event handlers (``--on-event``, ``--on-variable``, ...), which must be
  defined to fire, and stay in the start-up file with every other top-level line;
- a top-level call of a function named ``*_register_completions`` leaves the
  start-up file for ``completions/CMD.fish`` of each command that function (or the
  envwrap functions it calls) registers with ``complete -c CMD``: those
  registrations then cost nothing until the first TAB.

The source stays one file that ``source`` loads whole; this module only reads it.
"""

from __future__ import annotations

import re

_FUNCTION = re.compile(r"function\s+(\S+)")
_EVENT = re.compile(r"\s--on-(event|variable|signal|job-exit|process-exit)\b|\s-[evsjp]\s")
_COMPLETES = re.compile(r"\bcomplete\s+-c\s+([A-Za-z0-9_.+-]+)")
_CALLS = re.compile(r"\b(__envwrap_[A-Za-z0-9_]+)")
_REGISTRAR = re.compile(r"(__envwrap_[A-Za-z0-9_]*register_completions)$")
_FOR_LIST = re.compile(r"for\s+(\w+)\s+in\s+([^;\n(]+)\n(?:.*\n)*?\s*complete\s+-c\s+\$\1\b")


class Split:
    """The pieces: ``eager`` (the start-up file's text), ``functions`` (name ->
    file text), ``completions`` (command -> file text)."""

    def __init__(self, eager: str, functions: dict[str, str], completions: dict[str, str]):
        self.eager = eager
        self.functions = functions
        self.completions = completions


def split(source: str) -> Split:
    lines = source.splitlines(keepends=True)
    eager: list[str] = []
    functions: dict[str, str] = {}
    registrars: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _FUNCTION.match(line)
        if not match:
            name = _REGISTRAR.match(line.strip())
            if name and line == line.lstrip():
                registrars.append(name.group(1))
            else:
                eager.append(line)
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].rstrip("\n") != "end":
            end += 1
        if end == len(lines):
            raise ValueError(f"fish hook file: no 'end' at column 0 for {line.strip()!r}")
        block = lines[i:end + 1]
        # The comment lines right above the function travel with it.
        above = 0
        while above < len(eager) and eager[len(eager) - 1 - above].startswith("#") \
                and "generated" not in eager[len(eager) - 1 - above]:
            above += 1
        if _EVENT.search(line):
            eager.extend(block)
        else:
            comments = eager[len(eager) - above:] if above else []
            del eager[len(eager) - above:]
            functions[match.group(1)] = "".join(comments + block)
        i = end + 1
    completions: dict[str, list[str]] = {}
    for registrar in registrars:
        if registrar not in functions:
            raise ValueError(f"fish hook file: {registrar} is called but not defined")
        for command in _registered(registrar, functions):
            completions.setdefault(command, []).append(registrar)
    # The start-up file keeps no comments or blank lines (the source file is where
    # they are read): less for fish to read at every start.
    eager = [line for line in eager if line.strip() and not line.lstrip().startswith("#")]
    return Split("".join(eager), functions,
                 {command: "".join(f"{r}\n" for r in names) for command, names in completions.items()})


def _registered(name: str, functions: dict[str, str], seen: set | None = None) -> list[str]:
    """The commands whose completions function ``name`` (and the envwrap functions
    it calls) register, in order of appearance."""
    seen = seen if seen is not None else set()
    seen.add(name)
    body = functions[name]
    found = list(_COMPLETES.findall(body))
    for words in _FOR_LIST.findall(body):
        found.extend(words[1].split())
    for callee in _CALLS.findall(body):
        if callee in functions and callee not in seen:
            found.extend(_registered(callee, functions, seen))
    return [c for c in dict.fromkeys(found) if not c.startswith("$")]
