"""``envwrap init SHELL --write``: the static files, written where the shell loads them.

fish loads them by itself: the start-up part in ``conf.d/envwrap.fish``, each
function in ``functions/NAME.fish`` (read at its first call), TAB registrations in
``completions/CMD.fish`` (read at the first TAB after CMD), all under fish's
config directory (``$XDG_CONFIG_HOME/fish``, else ``~/.config/fish``); see
:mod:`envwrap.shells.fishsplit`. bash, zsh and PowerShell get one file in envwrap's
data directory (``$XDG_DATA_HOME/envwrap/shell``, else ``~/.local/share/...``) and
one line for the rc file, which the command prints.

Every file begins with :data:`MARKER` and a stamp line (envwrap's version and a
digest of the sources it was made from, and the command that wrote it): a file
without the marker is never overwritten (nothing is written then), a re-run
replaces the files it wrote and removes the ones it no longer writes, and
``envwrap doctor`` compares the stamp with the running envwrap's (:func:`stale`).
Each file is replaced atomically (made beside it, renamed over it).
"""

from __future__ import annotations

import os

from envwrap.core.errors import UserError

MARKER = "# Written by `envwrap init --write`, which rewrites it: edit the rc file, not this.\n"
STAMP = "# envwrap stamp: "
FORMAT = "1"  # bump when what is written changes shape without a change of the sources


def stamp(shell: str) -> str:
    """The running envwrap's stamp for ``shell``'s files: its version and a digest
    of the hook file (and of the way it is split)."""
    import hashlib

    from envwrap import __version__
    from envwrap.shells import get

    digest = hashlib.sha256(FORMAT.encode())
    with open(get(shell).hook_file(), "rb") as fh:
        digest.update(fh.read())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def fish_dir() -> str:
    """fish's config directory (its ``$__fish_config_dir``)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "fish")


def data_dir() -> str:
    """Where the bash, zsh and PowerShell files go: ``<envwrap's data dir>/shell``."""
    from envwrap.core import home

    data = home._xdg_base("XDG_DATA_HOME", os.path.join(".local", "share"))
    if data is None:
        import platformdirs

        data = platformdirs.user_data_dir(home.APP, appauthor=False)
    return os.path.join(data, "shell")


def main_file(shell: str) -> str:
    """The file the shell loads first: the one ``envwrap doctor`` reads the stamp of."""
    from envwrap.shells import get

    if shell == "fish":
        return os.path.join(fish_dir(), "conf.d", "envwrap.fish")
    return os.path.join(data_dir(), f"envwrap.{get(shell).extension}")


def files(shell: str, auto: bool = False) -> dict[str, str]:
    """path -> text of every file ``envwrap init SHELL --write`` writes."""
    from envwrap.shells import loader

    head = MARKER + f"{STAMP}{stamp(shell)} (envwrap init {shell} --write{' --auto' if auto else ''})\n"
    with open(loader._shell_path(shell), encoding="utf-8") as fh:
        source = fh.read()
    from envwrap.shells import get

    cut = get(shell).impl().write_cut  # how this shell's hook file is cut for --write
    if cut is None:  # one file, as `envwrap init` prints it
        return {main_file(shell): head + loader.preamble(shell, auto) + source}
    return _CUTS[cut](head, loader.preamble(shell, auto), source)


def _fish(head: str, preamble: str, source: str) -> dict[str, str]:
    from envwrap.shells import fishsplit

    pieces = fishsplit.split(source)
    base = fish_dir()
    out = {os.path.join(base, "functions", f"{name}.fish"): head + text for name, text in pieces.functions.items()}
    out.update({os.path.join(base, "completions", f"{cmd}.fish"): head + text
                for cmd, text in pieces.completions.items()})
    out[main_file("fish")] = head + preamble + pieces.eager
    return out


def _bash(head: str, preamble: str, source: str) -> dict[str, str]:
    """bash: the start-up file defines the functions used at load and a stub for
    every other one; the first stub called sources the file of the others (which
    replaces every stub), then calls its function with the status it was called
    with (a PROMPT_COMMAND hook reads it)."""
    from envwrap.shells import posixsplit
    from envwrap.shells.posix import quote

    pieces = posixsplit.split(source)
    # The source's shellcheck directives hold for the pieces too.
    head += "".join(line + "\n" for line in source.splitlines() if line.startswith("# shellcheck "))
    rest = os.path.join(data_dir(), "envwrap-functions.bash")
    loader = (
        "__envwrap_lazy_loaded=\n"
        "__envwrap_lazy() {\n"
        "    local __envwrap_s=$1\n"
        "    \\builtin shift\n"
        "    if [[ -n $__envwrap_lazy_loaded ]]; then\n"
        f"        \\builtin printf 'envwrap: %s is missing from %s: run envwrap init bash --write\\n' \"$1\" "
        f"{quote(rest)} >&2\n"
        "        \\return 127\n"
        "    fi\n"
        "    __envwrap_lazy_loaded=1\n"
        f"    \\. {quote(rest)} || \\return\n"
        "    __envwrap_lazy_status \"$__envwrap_s\"\n"
        "    \"$@\"\n"
        "}\n"
        "__envwrap_lazy_status() { \\return \"$1\"; }\n"
    )
    stubs = "".join(f'{name}() {{ __envwrap_lazy $? {name} "$@"; }}\n' for name in pieces.lazy)
    eager = "".join(pieces.definitions[name] for name in pieces.eager)
    return {
        rest: head + "# shellcheck disable=SC2154  # its variables are set by the start-up file\n"
        + "".join(pieces.definitions[name] for name in pieces.lazy),
        main_file("bash"): head + preamble + loader + eager + stubs + pieces.statements,
    }


def _zsh(head: str, preamble: str, source: str) -> dict[str, str]:
    """zsh: the start-up file defines the functions used at load and autoloads
    every other one from a file of its own (``autoload -Uz /path/NAME``, zsh 5.4
    or later: no change to the user's fpath, so compinit scans nothing more)."""
    from envwrap.shells import posixsplit
    from envwrap.shells.posix import quote

    pieces = posixsplit.split(source)
    where = os.path.join(data_dir(), "zsh-functions")
    out = {os.path.join(where, name): head + pieces.bodies[name] for name in pieces.lazy}
    autoload = "\\builtin autoload -Uz " + " ".join(quote(os.path.join(where, name)) for name in pieces.lazy) + "\n"
    eager = "".join(pieces.definitions[name] for name in pieces.eager)
    out[main_file("zsh")] = head + preamble + eager + autoload + pieces.statements
    return out



# The ways a hook file is cut for --write, named by the shells' write_cut: one
# file per function in fish's autoload directories; stand-ins that source the
# rest at first use (bash); zsh's autoload of one file per function.
_CUTS = {"function-files": _fish, "stubs": _bash, "autoload": _zsh}

def ours(path: str) -> bool:
    """Whether the file at ``path`` was written by envwrap (begins with the marker)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.readline().lstrip("\ufeff") == MARKER
    except OSError:
        return False


def _leftovers(shell: str, keep: dict) -> list[str]:
    """Files an earlier ``--write`` for ``shell`` made that this one does not (a
    function renamed or removed), in the places only it writes to."""
    if shell == "fish":
        places = [(os.path.join(fish_dir(), d), ".fish") for d in ("functions", "completions", "conf.d")]
    else:
        places = [(data_dir(), os.path.splitext(main_file(shell))[1])]
        if shell == "zsh":
            places.append((os.path.join(data_dir(), "zsh-functions"), ""))
    found = []
    for directory, suffix in places:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            path = os.path.join(directory, name)
            if path not in keep and name.endswith(suffix) and ours(path):
                found.append(path)
    return found


def write(shell: str, auto: bool = False) -> tuple[list[str], list[str]]:
    """Write the files (refusing, before writing anything, when one that exists was
    not written by envwrap); remove the ones an earlier run wrote and this one does
    not. Returns (written, removed)."""
    from envwrap.core import atomicfile

    try:
        planned = files(shell, auto)
    except ValueError as exc:  # the installed hook file is not in the shape the splitter knows
        raise UserError(f"init: cannot cut the {shell} hook file into pieces ({exc}); reinstall envwrap, "
                        f"or load it with the line of envwrap init {shell}") from None
    foreign = [path for path in planned if os.path.lexists(path) and not ours(path)]
    if foreign:
        raise UserError(f"init: {foreign[0]} exists and was not written by envwrap; move it away, then run "
                        f"envwrap init {shell} --write again" + (f" ({len(foreign) - 1} more such files)"
                                                                 if len(foreign) > 1 else ""))
    main = main_file(shell)
    try:
        # The main file last: a shell that starts meanwhile loads the old set or the new.
        for path in sorted(planned, key=lambda p: p == main):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = planned[path]
            if path.endswith(".ps1"):  # Windows PowerShell 5.1 reads a file without a BOM as ANSI
                data = "\ufeff" + data
            atomicfile.replace(path, data)
        removed = _leftovers(shell, planned)
        for path in removed:
            os.unlink(path)
    except OSError as exc:
        raise UserError(f"init: cannot write {getattr(exc, 'filename', None) or main}: "
                        f"{exc.strerror or exc}") from None
    return sorted(planned), removed


def advice(shell: str, written: list[str], removed: list[str]) -> tuple[str, str]:
    """(what was done, for stderr; the line for the rc file, for stdout, or "")."""
    from envwrap.shells import get

    main = main_file(shell)
    gone = f", removed {len(removed)} it no longer needs" if removed else ""
    if shell == "fish":
        return (f"envwrap: wrote {len(written)} files under {fish_dir()}{gone}; fish loads "
                f"{os.path.join('conf.d', os.path.basename(main))} at start and each function at its first use "
                "(remove any other envwrap line from config.fish)"), ""
    rc = get(shell).impl().startup_file
    more = f" and {len(written) - 1} more files beside it" if len(written) > 1 else ""
    return (f"envwrap: wrote {main}{more}{gone}; add this line to {rc} (instead of any other envwrap line):",
            get(shell).impl().source_line(main))


def written_stamp(path: str) -> str | None:
    """The stamp in a file ``--write`` wrote, or None (no such file, or not ours)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = [fh.readline(), fh.readline()]
    except OSError:
        return None
    head[0] = head[0].lstrip("\ufeff")
    if head[0] != MARKER or not head[1].startswith(STAMP):
        return None
    return head[1][len(STAMP):].split(" ", 1)[0]


def stale() -> list[str]:
    """One line per shell whose written files are not the running envwrap's."""
    from envwrap.shells import SHELLS

    found = []
    for shell in SHELLS:
        path = main_file(shell)
        old = written_stamp(path)
        if old is None or old == stamp(shell):
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            fh.readline()
            line = fh.readline()
        command = line[line.find("(") + 1:line.rfind(")")] if "(" in line else f"envwrap init {shell} --write"
        found.append(f"{path} was written by another envwrap ({old}; this one is {stamp(shell)}): "
                     f"refresh it with {command}")
    return found
