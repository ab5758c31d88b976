"""envwrap writes every environment's activate scripts itself.

Why: the scripts that venv (Python <= 3.12), virtualenv and uv write paste the
environment's path and name into shell code unescaped, so an environment called
``$(rm -rf ~)`` would run that on activation. envwrap's templates receive each
value through the target shell's quoter, and the prompt shows a display form of
the name with prompt-expanding characters replaced.

Each shell's template sits in its folder (its descriptor's
activate_template_path); each placeholder ``__ENVWRAP_<KEY>__`` stands
alone where a complete, quoted word belongs.
"""

from __future__ import annotations

import re
from pathlib import Path

from envwrap import shells
from envwrap.core import atomicfile
from envwrap.core.errors import one_line
from envwrap.core.layout import Layout

# template file -> (file name in the env's bin dir, quoter), from each shell's
# descriptor (bash's and zsh's are the same text, for the same bin/activate).
TEMPLATES = {s.activate_template_path(): (s.activate_script, s.quote) for s in shells.BY_NAME.values()}

# Characters that prompt expansion gives meaning to in some shell (bash
# promptvars: $ ` \ ; zsh: % ! ; fish/PowerShell are fine but one display name
# keeps prompts alike), plus the characters messages escape (errors.one_line):
# C0 and C1 controls (U+009B starts an escape sequence) and bidi overrides.
_PROMPT_UNSAFE = re.compile("[$`\\\\%!\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def prompt_name(name: str) -> str:
    return _PROMPT_UNSAFE.sub("_", name)


def render(template: str, values: dict[str, str], quoter) -> str:
    def sub(match: re.Match) -> str:
        return quoter(values[match.group(1)])

    return re.sub(r"__ENVWRAP_([A-Z_]+?)__", sub, template)


def write_all(staged: Path, final: Path, name: str, windows: bool = False) -> None:
    """Write the activate scripts into ``staged`` for an env that will live at ``final``."""
    layout = Layout.of(staged, windows)
    final_layout = Layout(final, layout.windows)
    values = {
        "VENV_DIR": str(final),
        "BIN_DIR": final_layout.bin_dir,
        "PROMPT": f"({prompt_name(name)}) ",
        "VENV_PROMPT": f"({one_line(name)}) ",  # shown by prompt themes: escaped as messages are
    }
    written = set()
    for template_path, (target, quoter) in TEMPLATES.items():
        template = Path(template_path)
        if target in written or not template.exists():
            continue
        written.add(target)
        text = render(template.read_text(encoding="utf-8"), values, quoter)
        out = Path(layout.bin_dir, target)
        out.parent.mkdir(parents=True, exist_ok=True)
        atomicfile.replace(out, text, inside=staged)  # a planted link is replaced, never written through
