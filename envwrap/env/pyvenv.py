"""Reading and rewriting an environment's ``pyvenv.cfg``: which tool made it,
its prompt, its base interpreter, its global site-packages switch."""

from __future__ import annotations

import os

from envwrap.core import atomicfile
from envwrap.core.errors import UserError
from envwrap.core.layout import Layout, read_text


def creator_of(cfg: dict) -> str | None:
    """Which tool made an environment, from the keys it wrote into pyvenv.cfg."""
    if "uv" in cfg:
        return "uv"
    if "virtualenv" in cfg:
        return "virtualenv"
    if "version" in cfg or " -m venv" in cfg.get("command", ""):
        return "venv"
    return None


def cfg_version(cfg: dict) -> str | None:
    """The Python version an environment was made with, as ``3.11.7``
    whichever tool wrote pyvenv.cfg: venv writes ``version = 3.11.7``, uv
    ``version_info = 3.11.7``, virtualenv ``version_info = 3.11.7.final.0``
    (sys.version_info whole); only its numbers are the version."""
    import re

    raw = (cfg.get("version_info") or cfg.get("version") or "").strip()
    match = re.match(r"\d+(?:\.\d+){0,2}", raw)
    return match.group(0) if match else (raw or None)


def cfg_prompt(value: str | None) -> str | None:
    """The prompt as pyvenv.cfg holds it: venv writes a Python string literal
    (``prompt = 'name'``), uv and virtualenv the bare text."""
    import ast

    if not value:
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        try:
            literal = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return literal if isinstance(literal, str) else value
    return value


def keep_cfg_lines(cfg_path: str, old_lines: list[str]) -> None:
    """Put back the pyvenv.cfg lines (prompt, a creator's own keys) that
    ``venv --upgrade`` dropped when it rewrote the file."""
    try:
        text = read_text(cfg_path)
    except (OSError, UnicodeError):
        return
    # Keys that describe the old interpreter are not kept: venv wrote the new ones.
    stale = {"home", "executable", "command", "version", "version_info", "implementation",
             "base-prefix", "base-exec-prefix", "base-executable"}
    present = {line.partition("=")[0].strip().lower() for line in text.split("\n") if "=" in line} | stale
    lost = [line for line in old_lines if "=" in line and line.partition("=")[0].strip().lower() not in present]
    if not lost:
        return
    atomicfile.replace(cfg_path, (text if text.endswith("\n") or not text else text + "\n")
                       + "".join(line + "\n" for line in lost), inside=os.path.dirname(cfg_path))


def rename_prompt(layout: Layout, old: str, new: str) -> None:
    """A copy shows its own name: where the source's prompt was its name
    (``prompt`` in pyvenv.cfg, and the activate.csh that venv wrote with it),
    it becomes the copy's. A prompt chosen with --prompt is kept."""
    import ast

    if old == new or not atomicfile.is_regular(layout.cfg):
        return  # a link is never read through
    try:
        lines = read_text(layout.cfg).split("\n")
    except (OSError, UnicodeError):
        return
    for i, line in enumerate(lines):
        key, sep, value = line.partition("=")
        if not (sep and key.strip().lower() == "prompt"):
            continue
        value = value.strip()
        quoted = value[:1] in ("'", '"')
        try:
            shown = ast.literal_eval(value) if quoted else value  # venv writes repr(prompt)
        except (ValueError, SyntaxError):
            shown = value
        if shown != old:
            return  # a prompt of its own
        lines[i] = f"prompt = {new!r}" if quoted else f"prompt = {new}"
        atomicfile.replace(layout.cfg, "\n".join(lines), inside=layout.root)
        break
    csh = os.path.join(layout.bin_dir, "activate.csh")
    if not atomicfile.is_regular(csh):
        return
    try:
        text = read_text(csh)
    except (OSError, UnicodeError):
        return
    updated = text.replace(f"({old}) ", f"({new}) ")
    if updated != text:
        atomicfile.replace(csh, updated, inside=layout.root)


def keep_stable_interpreter(staged, python: str | None) -> None:
    """When the interpreter was named through a stable link into a versioned
    directory (Homebrew's ``/opt/homebrew/opt/python@3.12/bin/python3.12`` into
    ``Cellar/python@3.12/3.12.1``), the env names that link, never the versioned
    path behind it: pyvenv.cfg's ``home`` and ``executable``, and the env's own
    interpreter links. A patch upgrade that swaps the directory behind the link
    then leaves the env working."""
    if python is None:
        return
    stable = os.path.abspath(python)
    resolved = os.path.realpath(stable)
    if resolved == stable:
        return
    layout = Layout.of(staged)
    if layout.windows:
        return
    stable_dir, resolved_dir = os.path.dirname(stable), os.path.dirname(resolved)
    try:
        lines = read_text(layout.cfg).split("\n")
    except (OSError, UnicodeError):
        return
    changed = False
    for i, line in enumerate(lines):
        key, sep, value = line.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep:
            continue
        new = None
        if key == "home" and os.path.realpath(value) == resolved_dir and value != stable_dir:
            new = stable_dir
        elif key in ("executable", "base-executable") and os.path.realpath(value) == resolved and value != stable:
            new = stable
        if new is not None:
            lines[i] = f"{line.partition('=')[0].rstrip()} = {new}"
            changed = True
    if changed:
        atomicfile.replace(layout.cfg, "\n".join(lines), inside=layout.root)
    # The env's interpreter links that point into the versioned directory
    # point at the same file through the stable one.
    try:
        entries = list(os.scandir(layout.bin_dir))
    except OSError:
        return
    for entry in entries:
        if not entry.is_symlink():
            continue
        target = os.readlink(entry.path)
        if os.path.isabs(target) and os.path.dirname(target) == resolved_dir:
            stable_target = os.path.join(stable_dir, os.path.basename(target))
            if os.path.realpath(stable_target) == os.path.realpath(target):
                tmp = os.path.join(layout.bin_dir, f".{entry.name}.envwrap-{os.urandom(3).hex()}")
                os.symlink(stable_target, tmp)
                os.replace(tmp, entry.path)


def toggle_global(env) -> bool:
    """Flip include-system-site-packages in pyvenv.cfg; returns the new value."""
    cfg = os.path.join(env, "pyvenv.cfg")
    try:
        text = read_text(cfg)
    except (OSError, UnicodeError) as exc:
        raise UserError(f"cannot read {cfg}: {exc}") from None
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    new_value = True
    for i, line in enumerate(lines):
        key, sep, value = line.partition("=")
        if sep and key.strip().lower() == "include-system-site-packages":
            new_value = value.strip().lower() != "true"
            lines[i] = f"include-system-site-packages = {'true' if new_value else 'false'}"
            break
    else:
        lines.append("include-system-site-packages = true")
    atomicfile.replace(cfg, "\n".join(lines) + "\n", inside=env)
    return new_value
