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

import os

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
# A translation table, not a regular expression: creating an env imports no re.
_PROMPT_UNSAFE = dict.fromkeys(
    [*map(ord, "$`\\%!"), *range(0x00, 0x20), *range(0x7f, 0xa0), *range(0x202a, 0x202f), *range(0x2066, 0x206a)],
    "_")
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ_")


def prompt_name(name: str) -> str:
    return name.translate(_PROMPT_UNSAFE)


def render(template: str, values: dict[str, str], quoter) -> str:
    """Each ``__ENVWRAP_<KEY>__`` of ``template`` (KEY: capitals and ``_``,
    the shortest that ends in ``__``) replaced by the quoted value of KEY, left
    to right in one pass: a value put in is never searched for placeholders."""
    out, i, mark = [], 0, "__ENVWRAP_"
    while True:
        j = template.find(mark, i)
        if j < 0:
            break
        start = j + len(mark)
        end = template.find("__", start + 1)
        if end > start and _KEY_CHARS.issuperset(template[start:end]):
            out += [template[i:j], quoter(values[template[start:end]])]
            i = end + 2
        else:
            out.append(template[i:j + 1])
            i = j + 1
    out.append(template[i:])
    return "".join(out)


# A new file, created only where nothing is (not even a link): what the writes
# below use where an activate script does not exist yet.
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _create(dir_fd: int, name: str, text: str) -> bool:
    """Write ``name`` in the directory ``dir_fd`` when nothing has that name:
    True; False, writing nothing, when something has. O_EXCL never follows or
    writes through a link, so a script that is not there yet needs neither
    atomicfile's temporary name and rename nor its checks per file; a write
    that fails removes what it began."""
    try:
        fd = os.open(name, _NEW, 0o666, dir_fd=dir_fd)
    except FileExistsError:
        return False
    try:
        try:
            view = memoryview(text.encode("utf-8", "surrogateescape"))
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except BaseException:
        try:
            os.unlink(name, dir_fd=dir_fd)
        except OSError:
            pass
        raise
    return True


def write_all(staged, final, name: str, windows: bool = False, new: bool = False) -> None:
    """Write the activate scripts into ``staged`` for an env that will live at
    ``final``. Each is replaced through :mod:`atomicfile`, except, with
    ``new`` (``staged`` is a new env in its stage, which nothing reads and
    which a kill leaves for the sweep to remove), a script that is not there
    yet (envwrap's replayed tree has none): that one is created in place, in
    the bin directory checked once to be inside the env as atomicfile checks
    it. A creator's own scripts, and those of an env copied, renamed or
    repaired, are replaced."""
    layout = Layout.of(staged, windows)
    final_layout = Layout(final, layout.windows)
    values = {
        "VENV_DIR": os.fspath(final),
        "BIN_DIR": final_layout.bin_dir,
        "PROMPT": f"({prompt_name(name)}) ",
        "VENV_PROMPT": f"({one_line(name)}) ",  # shown by prompt themes: escaped as messages are
    }
    os.makedirs(layout.bin_dir, exist_ok=True)
    dir_fd = None
    if new and os.open in os.supports_dir_fd and os.unlink in os.supports_dir_fd:
        real_bin = os.path.realpath(layout.bin_dir)
        if atomicfile.within(real_bin, os.path.realpath(os.fspath(staged))):
            dir_fd = os.open(real_bin, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        written = set()
        for template_path, (target, quoter) in TEMPLATES.items():
            if target in written:
                continue
            try:
                with open(template_path, encoding="utf-8") as fh:
                    text = render(fh.read(), values, quoter)
            except FileNotFoundError:
                continue
            written.add(target)
            if dir_fd is None or not _create(dir_fd, target, text):
                # a planted link is replaced, never written through (a bin dir
                # that leads out of the env is refused there)
                atomicfile.replace(os.path.join(layout.bin_dir, target), text, inside=staged)
    finally:
        if dir_fd is not None:
            os.close(dir_fd)
