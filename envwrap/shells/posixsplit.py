"""bash's and zsh's hook files cut for a lazy start (``envwrap init bash|zsh --write``).

Reading and parsing every function at each start is most of what envwrap costs a
shell; most of them run only when a command is used. So, mechanically, at write
time (the source stays one file that ``source`` loads whole):

- the top-level lines (variables, TAB registrations, the calls made at load) stay
  in the start-up file, with every function they call at load and, transitively,
  every function those mention (``eager``);
- every other top-level ``NAME() {`` ... ``}`` function (``lazy``) is read at its
  first call: zsh autoloads it from a file of its own (``autoload -Uz /path/NAME``,
  the file holding the body); bash has no autoload, so it gets a one-line stub that
  sources the file of all lazy functions, which replaces every stub, then calls the
  real function.
"""

from __future__ import annotations

import re

_DEF = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{(.*)$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A word in command position: after $( , or at the start of a line or after ; & |
# { then do else, where it is not an array's element (=( ... )) nor a case
# pattern (word) ).
_CALL = re.compile(r"\$\(\s*\\?([A-Za-z_]\w*)"
                   r"|(?:^|[;&|{]|\b(?:then|do|else)\s)\s*\\?(?:builtin\s+)?([A-Za-z_]\w*)(?![\w)])", re.M)


class Split:
    def __init__(self, statements: str, definitions: dict[str, str], bodies: dict[str, str], eager: list[str]):
        self.statements = statements    # the top-level lines that are not function definitions
        self.definitions = definitions  # name -> its definition, as in the source
        self.bodies = bodies            # name -> the lines between the braces
        self.eager = eager              # the functions the start-up file defines itself

    @property
    def lazy(self) -> list[str]:
        return [name for name in self.definitions if name not in self.eager]


def split(source: str) -> Split:
    lines = source.splitlines(keepends=True)
    statements: list[str] = []
    definitions: dict[str, str] = {}
    bodies: dict[str, str] = {}
    i = 0
    while i < len(lines):
        match = _DEF.match(lines[i])
        if not match:
            statements.append(lines[i])
            i += 1
            continue
        name, rest = match.group(1), match.group(2).rstrip()
        if rest.endswith("}"):  # NAME() { ...; }
            definitions[name] = lines[i]
            bodies[name] = rest[:-1].strip() + "\n"
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].rstrip("\n") != "}":
            end += 1
        if end == len(lines):
            raise ValueError(f"hook file: no '}}' at column 0 for {name}()")
        definitions[name] = "".join(lines[i:end + 1])
        bodies[name] = "".join(lines[i + 1:end])
        i = end + 1
    code = [line for line in statements if line.strip() and not line.lstrip().startswith("#")]
    # Called at load: a function name as the first word of a top-level line.
    todo = [m.group(0) for line in code if (m := _WORD.match(line.lstrip().lstrip("\\")))
            and m.group(0) in definitions]
    eager: list[str] = []
    while todo:
        name = todo.pop()
        if name in eager:
            continue
        eager.append(name)
        code_lines = "".join(line for line in bodies[name].splitlines(keepends=True)
                             if not line.lstrip().startswith("#"))
        called = [a or b for a, b in _CALL.findall(code_lines)]
        todo.extend(w for w in called if w in definitions and w not in eager)
    eager = [name for name in definitions if name in eager]  # in source order
    return Split("".join(code), definitions, bodies, eager)
