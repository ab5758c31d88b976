"""Bringing an environment another tool made into WORKON_HOME (``envwrap adopt``).

An adoption is built like a creation: the env is made in a stage inside
WORKON_HOME under its new name, relocated there as ``envwrap mv`` relocates
(:func:`envwrap.env.lifecycle.move`: scripts, activate files, the pyvenv.cfg
prompt, .pth files, direct_url.json and every other text file naming the old
path), then published with one rename. On the same file system the stage is a
tree of hard links to the source's files (only the files a relocation rewrites
are new), so nothing is copied and the source is never written; across file
systems the stage is a copy. Only after the publish does the source go: first
renamed to a hidden name beside itself (one rename: from then on it is gone for
its tool), then deleted. With ``copy`` it stays, working.

Killed at any moment: before the publish, the source is whole and the stage is
swept as any stage; after the source was hidden, the adopted env is whole. In
between (after the publish, before the hiding rename), both are whole, and a
journal in WORKON_HOME's state directory lets the next adopt (or ``--scan``)
finish: it hides and deletes the source of an adoption that was published.

What the source's tool knew comes along: the project (pipenv's ``.project``,
poetry's project found by its hash, the directory of a project ``.venv``)
becomes the env's project, and the env records where it came from and when
(:mod:`envwrap.env.origin`, shown by ``lsvirtualenv -l`` and ``envwrap show``).

Tests pause an adoption at a named step through Python's audit hooks: every
step raises the audit event ``envwrap.adopt`` with its name (:func:`_step`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from envwrap.core import home, names, staging
from envwrap.core.errors import UserError
from envwrap.env import origin, registry, scan

ORIGIN = origin.FILENAME  # in an adopted env: where it came from, which tool, when
_CONDA = ("is a conda environment, and conda envs are not venvs: export it with 'conda export' "
          "and build a venv from that with 'envwrap import'")


def _step(name: str, detail: str = "") -> None:
    """A named step of an adoption, as an audit event (a test hook may pause here)."""
    sys.audit("envwrap.adopt", name, detail)


def _journal_dir(root) -> str:
    return os.path.join(home.state_dir(os.fspath(root)), "adopting")


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _device(path: str) -> int | None:
    """The device of ``path``, or of its nearest existing parent."""
    while True:
        try:
            return os.stat(path).st_dev
        except OSError:
            up = os.path.dirname(path)
            if up == path:
                return None
            path = up


class Plan:
    """What adopting one env will do; made by :func:`plan`, which refuses."""

    def __init__(self, src: str, cand: scan.Candidate, name: str, final: str, copy: bool, cross: bool):
        self.src = src
        self.tool = cand.tool
        self.project = cand.project if cand.project and os.path.isdir(cand.project) else None
        self.project_venv = os.path.basename(src) == ".venv" and cand.project is not None
        self.link = cand.link
        self.link_target = os.readlink(cand.link) if cand.link and os.path.islink(cand.link) else None
        self.name = name
        self.final = final
        self.copy = copy
        self.cross = cross
        self.left: str | None = None  # after adopt(): why the source is still there

    def lines(self) -> list[str]:
        """What will happen, for people (``--dry-run``)."""
        how = ("copy" if self.copy else "move (a copy: another file system)" if self.cross
               else "move (hard links and one rename: the same file system)")
        out = [f"{how} {self.src} ({self.tool}) to {self.final}",
               "rewrite its scripts, activate files, pyvenv.cfg prompt, .pth and direct_url.json paths"]
        if self.project:
            out.append(f"bind it to the project {self.project}")
        if not self.copy:
            out.append(f"remove {self.src}" + (f" and pyenv's link {self.link}" if self.link_target else ""))
            if self.project_venv:
                out.append(f"name the new place as the default in {self.project}/.python-envs")
        return out


def plan(path: str, name: str | None = None, copy: bool = False, cwd: str | None = None,
         environ=None) -> Plan:
    """Check everything and decide; refuses with a UserError, changing nothing."""
    environ = os.environ if environ is None else environ
    cwd = cwd or os.getcwd()
    given = os.path.abspath(os.path.expanduser(path))
    if not os.path.isdir(given):
        raise UserError(f"{given} is not a directory")
    src = os.path.realpath(given)
    if scan.is_conda(src):
        raise UserError(f"{given} {_CONDA}")
    if not scan.is_venv(src):
        raise UserError(f"{given} is not a virtual environment (no pyvenv.cfg)")
    root = home.workon_home()
    if _within(src, os.path.realpath(root)) or _within(os.path.normpath(given), os.path.normpath(root)):
        raise UserError(f"{given} is already in WORKON_HOME {root}")
    if registry.is_active(src):
        raise UserError(f"{given} is the active environment: deactivate it first")
    if not copy and _within(os.path.realpath(cwd), src):
        raise UserError(f"the current directory is inside {given}: cd out of it first")
    if not copy and not os.access(os.path.dirname(src), os.W_OK):
        raise UserError(f"{given} cannot be moved away from {os.path.dirname(src)} (not writable): "
                        f"adopt a copy with --copy")
    cand = scan.identify(src, cwd, environ)
    name = names.validate(name if name is not None else cand.name)
    final = registry.check_new_name(root, name)
    return Plan(src, cand, name, final, copy, _device(src) != _device(root))


def _fill(p: Plan, staged: Path) -> None:
    """The stage: hard links to the source (the files a relocation rewrites are
    copies), or a copy of it; a step event after each file."""
    from envwrap.core.files import copy_file, copy_tree
    from envwrap.core.layout import Layout

    bin_rel = os.path.relpath(Layout.of(p.src).bin_dir, p.src)
    link = not p.copy and not p.cross

    def place(path: str, out: str, rel: str) -> None:
        if link and rel != "pyvenv.cfg" and os.path.dirname(rel) != bin_rel:
            try:
                os.link(path, out, follow_symlinks=False)
            except OSError:
                copy_file(path, out)
        else:
            copy_file(path, out)
        _step("file", rel)

    os.makedirs(os.fspath(staged))
    try:
        copy_tree(Path(p.src), staged, place=place)
    except OSError as exc:
        raise UserError(f"cannot copy {p.src}: {exc.strerror or exc}") from None


def _relocate(p: Plan, staged: Path) -> None:
    from envwrap.core.layout import Layout, read_cfg
    from envwrap.env import lifecycle, pyvenv, relocation
    from envwrap.shells import activate

    for marker in (registry.TMP_MARKER, registry.LAST_USED, ORIGIN):
        (staged / marker).unlink(missing_ok=True)
    lifecycle._rebase_links(staged, p.src, p.final)
    relocation.relocate(staged, p.src, p.final)
    relocation.relocate_text(staged, p.src, p.final)
    layout = Layout.of(staged)
    # The prompt venv gave it (its directory's name, a project .venv's project's
    # name, pipenv's and poetry's hashed names) becomes its new name.
    for old in {os.path.basename(p.src), os.path.basename(os.path.dirname(p.src))}:
        pyvenv.rename_prompt(layout, old, p.name)
    try:
        prompt = pyvenv.cfg_prompt(read_cfg(layout.cfg).get("prompt")) or p.name
    except (OSError, UnicodeError):
        prompt = p.name
    activate.write_all(staged, Path(p.final), prompt, layout.windows)


def _write_origin(p: Plan, staged: Path, ident: str) -> None:
    import datetime
    import json

    from envwrap.core import atomicfile

    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    data = {"from": p.src, "tool": p.tool, "at": when, "copy": p.copy, "id": ident}
    atomicfile.replace(staged / ORIGIN, json.dumps(data, ensure_ascii=False) + "\n", inside=staged)


def _journal(root, ident: str, data: dict) -> str:
    import json

    from envwrap.core import atomicfile

    directory = _journal_dir(root)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{ident}.json")
    atomicfile.replace(path, json.dumps(data, ensure_ascii=False), sync=True)
    return path


def _hidden_name(src: str, ident: str) -> str:
    return os.path.join(os.path.dirname(src), f".{os.path.basename(src)}.envwrap-adopted-{ident}")


def _remove_source(data: dict) -> str | None:
    """Hide the source (one rename), then delete it; its pyenv link goes too.
    Returns why the source is still there, or None."""
    from envwrap.core.files import rmtree_here

    src, hidden = data["src"], data["hidden"]
    left = None
    try:
        st = os.lstat(src)
        if (st.st_dev, st.st_ino) == tuple(data["key"]):
            os.rename(src, hidden)
    except FileNotFoundError:
        pass
    except OSError as exc:
        left = f"{src} could not be removed ({exc.strerror}); the adopted env does not need it"
    _step("hidden")
    rmtree_here(Path(hidden))
    if os.path.lexists(hidden):
        left = f"{hidden} could not be removed entirely; the adopted env does not need it"
    link, target = data.get("link"), data.get("link_target")
    if link and target and os.path.islink(link) and os.readlink(link) == target and not os.path.exists(link):
        try:
            os.unlink(link)
        except OSError:
            pass
    return left


def _journals(root):
    """(journal file, its record) of every adoption that has not finished."""
    import json

    try:
        entries = sorted(os.scandir(_journal_dir(root)), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            with open(entry.path, encoding="utf-8") as fh:
                data = json.load(fh)
            if all(isinstance(data.get(k), str) for k in ("name", "final", "id", "src")):
                yield entry.path, data
        except (OSError, ValueError, AttributeError):
            continue


def pending(root) -> list[str]:
    """The sources :func:`recover` would remove: their env was adopted whole."""
    return [data["src"] for _, data in _journals(root)
            if origin.adoption_id(data["final"]) == data["id"] and os.path.lexists(data["src"])]


def recover(root) -> list[str]:
    """Finish adoptions that a kill stopped between their publish and the
    source's removal; forget the ones that never published. Returns the
    sources removed. Names locked by a live adoption are left alone."""
    done: list[str] = []
    for path, data in _journals(root):
        try:
            with staging.NameLock(Path(root), data["name"]):
                if origin.adoption_id(data["final"]) == data["id"]:
                    _remove_source(data)
                    done.append(data["src"])
                os.unlink(path)
        except (UserError, OSError):
            continue
    return done


def adopt(p: Plan) -> str:
    """Carry out a :class:`Plan`; returns the adopted env's path."""
    root = Path(home.ensure_workon_home())
    final = Path(registry.check_new_name(root, p.name))  # again: taken meanwhile?
    recover(root)
    staging.sweep(root)
    with staging.NameLock(root, p.name), staging.Stage(root) as stage:
        ident = stage.dir.name
        staged = stage.dir / p.name
        _fill(p, staged)
        _step("filled")
        _relocate(p, staged)
        if p.project is not None:
            registry.set_project(staged, p.project)
        _write_origin(p, staged, ident)
        journal = None
        if not p.copy:
            st = os.lstat(p.src)
            journal = _journal(root, ident, {
                "id": ident, "name": p.name, "final": os.fspath(final), "src": p.src,
                "key": [st.st_dev, st.st_ino], "hidden": _hidden_name(p.src, ident),
                "link": p.link, "link_target": p.link_target})
        _step("staged")
        staging.publish(staged, final)
        _step("published")
        if journal is not None:
            import json

            with open(journal, encoding="utf-8") as fh:
                p.left = _remove_source(json.load(fh))
            os.unlink(journal)
    if p.project_venv and not p.copy:  # the project's .python-envs names the new place
        registry.name_in_project(os.fspath(final))
    return os.fspath(final)

