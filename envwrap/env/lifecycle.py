"""Creating, copying, renaming, repairing and removing environments.

Creation and removal go through :mod:`envwrap.staging`, so they are atomic:
killed at any moment, an env is whole-before or whole-after.
"""

from __future__ import annotations

import os
import sys

from envwrap.core import home, names, staging
from envwrap.core.errors import UserError
from envwrap.core.layout import Layout, read_cfg, read_text
from envwrap.env import creators, hooks, pyvenv, registry
from envwrap.shells import activate


def _finish(staged, final, name: str, opts: creators.CreateOptions, seed: bool, names_final: bool = False) -> None:
    """Everything after the creator ran, still inside the stage. ``names_final``:
    the creator wrote the final path, never the stage's, into the env (the
    replayed venv tree), so that unless a package is installed here nothing
    needs relocating."""
    if not os.path.isfile(os.path.join(staged, "pyvenv.cfg")):
        raise UserError("the creator finished without making an environment (no pyvenv.cfg)")
    layout = Layout.of(staged)
    final_layout = Layout(final, layout.windows)
    if seed:
        from envwrap.seeding import reuse

        if not reuse.fast_seed(layout, final_layout, os.path.dirname(os.fspath(final))):
            from envwrap.seeding import cache as seeding

            seeding.seed_pip(layout, final_layout, home=os.path.dirname(os.fspath(final)))
    activate.write_all(staged, final, opts.prompt or name, layout.windows, new=True)
    if opts.project is not None:
        registry.set_project(staged, opts.project)
    if not opts.scm_ignore_files:
        try:
            os.unlink(os.path.join(staged, ".gitignore"))  # the creator's: the stage was empty
        except FileNotFoundError:
            pass
    if opts.upgrade_deps:
        if not os.path.exists(layout.python) or opts.without_pip:
            raise UserError("--upgrade-deps needs pip: drop --without-pip")
        from envwrap.env import pip

        pip.install(layout, ["--upgrade", "pip"])
    installs: list[str] = []
    for req in opts.requirements:
        installs += ["-r", req]
    installs += list(opts.packages)
    installed_final = False  # what the install wrote names the final env
    if installs:
        if not os.path.exists(layout.python) or (opts.without_pip and not seed):
            raise UserError("-i/-r need pip: drop --without-pip")
        from envwrap.env import uvinstall

        uv = uvinstall.uv_for_install()
        if uv is not None:  # uv when it is there: the same settings, a tenth of the time
            installed_final = uvinstall.install_new(uv, layout, installs, staged, final)
        else:
            from envwrap.env import pip

            pip.install(layout, installs)
    if not names_final or (installs and not installed_final) or opts.upgrade_deps:
        from envwrap.env import relocation

        relocation.relocate(staged, staged, final)


STAGED_ENV_VAR = "ENVWRAP_STAGED_ENV"


def _pre_creation_hooks(staged, root, calls, hook_stdout: int | None = None) -> None:
    """Run the pre-hooks of a new environment (premkvirtualenv, precpvirtualenv)
    while it is complete but still in its stage, under its name lock: nothing
    lists, completes or activates it before they have all succeeded, and a
    failing one leaves nothing behind. As in virtualenvwrapper they run in
    WORKON_HOME with their arguments; the env's directory until it is moved into
    place is in $ENVWRAP_STAGED_ENV. Their standard output goes to
    ``hook_stdout`` (None: ours; see hooks.run)."""
    env = hooks.hook_environment()
    env[STAGED_ENV_VAR] = os.fspath(staged)
    for hook, *args in calls:
        # The hook inherits the stage lock: killed meanwhile, envwrap leaves a stage
        # that the sweep keeps while the hook may still write into it.
        hooks.run(os.path.join(home.hook_dir(), hook), *args, cwd=root, pre=True, env=env,
                  pass_fds=staging.child_fds(), stdout=hook_stdout)


def create(name: str, opts: creators.CreateOptions, tmp: bool = False, prepare=None, swap=None,
           hook_stdout: int | None = None) -> str:
    """Create environment ``name`` atomically; premkvirtualenv runs before it is
    published (see :func:`_pre_creation_hooks`). ``prepare(staged_dir)``, when
    given, adds to the env while it is still in its stage (an import writes its
    hooks and import paths there). ``swap(staged, final)``, when given, puts
    the finished env in place of the existing env ``name`` (envwrap upgrade).
    ``hook_stdout``: where the hooks' standard output goes (see hooks.run).
    Paths are strings here, no pathlib: this is the hot path of creation (its
    imports are pinned by tests/seeding/test_creation_path.py)."""
    root = home.ensure_workon_home()
    final = os.fspath(registry.path_of(name) if swap is not None else registry.check_new_name(root, name))
    if opts.without_pip and (opts.packages or opts.requirements):
        raise UserError("-i/-r need pip: drop --without-pip")
    if opts.without_pip and opts.upgrade_deps:
        raise UserError("--upgrade-deps needs pip: drop --without-pip")
    for req in opts.requirements:
        if not os.path.isfile(req):
            raise UserError(f"requirements file '{req}' not found")
    creator = creators.creator_choice(opts.creator, copies=opts.links == "copies")
    staging.sweep(root)
    with staging.NameLock(root, name), staging.Stage(root) as stage:
        staged = os.path.join(stage.where, name)
        creator.create(staged, opts, name, final=final)
        pyvenv.keep_stable_interpreter(staged, creators.find_python(opts.python))
        seed = not opts.without_pip and creator.seeds_pip
        _finish(staged, final, name, opts, seed, getattr(creator, "names_final", False))
        if tmp:
            from envwrap.env import tmpenv

            with open(os.path.join(staged, registry.TMP_MARKER), "w", encoding="utf-8") as fh:
                fh.write(tmpenv.marker_text())
        if prepare is not None or swap is not None:
            from pathlib import Path

            staged, final = Path(staged), Path(final)
        if prepare is not None:
            prepare(staged)
        _pre_creation_hooks(staged, root, [("premkvirtualenv", name)], hook_stdout)
        (swap or staging.publish)(staged, final)
    from envwrap.env import pythons

    pythons.after_creation(searched=opts.python is not None)  # what TAB offers after -p
    if not tmp:
        from envwrap.env import kernels

        kernels.after_creation(name, final)  # its Jupyter kernel, rewritten or (register_kernel) made
    return os.fspath(final)


def resolve_source(ref: str):
    """A copy source: an environment name, or a path to any environment."""
    from pathlib import Path

    if names.name_problem(ref) is None and os.path.isfile(os.path.join(home.workon_home(), ref, "pyvenv.cfg")):
        return ref, Path(home.workon_home(), ref)
    path = Path(os.path.expanduser(ref))  # Path.expanduser raises for ~nosuchuser; this keeps it as typed
    if (path / "pyvenv.cfg").is_file():
        return path.resolve().name, path.resolve()
    raise UserError(f"'{ref}' is neither an environment in {home.workon_home()} nor an environment directory")


def copy(src_ref: str, dest: str | None, hook_stdout: int | None = None) -> str:
    import shutil
    from pathlib import Path

    src_name, src = resolve_source(src_ref)
    if dest is None and names.name_problem(src_name) is not None:
        # A project's .venv: its name is no environment name; its project's is.
        hint = ""
        if names.name_problem(src.parent.name) is None:
            hint = f", e.g. '{src.parent.name}' (the name of the directory it is in)"
        raise UserError(f"the copy of {src} needs a name: {names.name_problem(src_name)}; "
                        f"give one as DEST{hint}")
    dest = dest if dest is not None else src_name
    root = Path(home.ensure_workon_home())
    final = Path(registry.check_new_name(root, dest))
    staging.sweep(root)
    with staging.NameLock(root, dest), staging.Stage(root) as stage:
        staged = stage.dir / dest
        from envwrap.core.files import copy_tree

        try:
            copy_tree(src, staged)
        except (OSError, shutil.Error) as exc:
            raise UserError(f"cannot copy {src}: {exc}") from None
        for marker in (registry.TMP_MARKER, registry.LAST_USED):  # a copy has never been used
            (staged / marker).unlink(missing_ok=True)
        _rebase_links(staged, src, final)
        from envwrap.env import relocation

        relocation.relocate(staged, src, final)
        from envwrap.seeding import modes as seedmode

        seedmode.adopt(staged, root)  # a pip zip of another WORKON_HOME comes along
        layout = Layout.of(staged)
        pyvenv.rename_prompt(layout, src_name, dest)
        activate.write_all(staged, final, dest, layout.windows)
        # virtualenvwrapper's order: precpvirtualenv SOURCE_PATH DEST, then premkvirtualenv DEST.
        _pre_creation_hooks(staged, root, [("precpvirtualenv", os.fspath(src), dest), ("premkvirtualenv", dest)],
                            hook_stdout)
        staging.publish(staged, final)
    return os.fspath(final)


def _rebase_links(tree, old, new) -> None:
    """A link in ``tree`` (an env copied or moved from ``old`` to ``new``) that
    names a place inside ``old`` by its absolute path names the same place
    inside ``new``: a copy never keeps a link into its source, through which
    writing to the copy would change the source (or, after a rename, a link
    into a directory that is gone). Links elsewhere (the base interpreter)
    are kept."""
    olds = {os.fspath(old).rstrip(os.sep), os.path.realpath(old).rstrip(os.sep)}
    new_s = os.fspath(new).rstrip(os.sep)
    for dirpath, dirnames, filenames in os.walk(os.fspath(tree)):
        for name in (*dirnames, *filenames):
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                continue
            target = os.readlink(path)
            if not os.path.isabs(target):
                continue
            for prefix in olds:
                if target == prefix or target.startswith(prefix + os.sep):
                    tmp = os.path.join(dirpath, f".{name}.envwrap-{os.urandom(4).hex()}")
                    os.symlink(new_s + target[len(prefix):], tmp)
                    os.replace(tmp, path)
                    break


def _remove_dir(path, root) -> None:
    staging.discard(path, root)


def remove(name: str) -> str:
    from pathlib import Path

    names.validate(name)
    root = Path(home.workon_home())
    path = root / name
    if path.is_symlink():
        target = path
    else:
        target = Path(registry.path_of(name))
    active = registry.active_env()
    if active is not None:
        try:
            same = os.path.samefile(active, path) if path.exists() else False
        except OSError:
            same = False
        if same or active == str(path):
            raise UserError(f"environment '{name}' is active: deactivate it first")
    with staging.NameLock(root, name):
        hooks.run(os.path.join(home.hook_dir(), "prermvirtualenv"), name, cwd=root, pre=True)
        project = registry.project_of(target)
        os.chdir(root)  # out of the env if we (the shell's cwd) are in it: Windows removes no directory in use
        _remove_dir(target, root)
        registry.follow_in_project(project, path)  # its lines in .python-envs (and an old .venv file)
        from envwrap.env import kernels

        kernels.forget(path)  # its Jupyter kernel, if envwrap wrote one
        hooks.run(os.path.join(home.hook_dir(), "postrmvirtualenv"), name, cwd=root)
    staging.sweep(root)  # leftovers of killed operations, and this name's lock file, now free
    return os.fspath(target)


def remove_tmp(path) -> None:
    """Remove a mktmpenv environment given by path (the deactivate hook's call)."""
    path = os.fspath(path)
    root = home.workon_home()
    try:
        parent = os.path.realpath(os.path.dirname(path))
        if parent != os.path.realpath(root) or not os.path.isfile(os.path.join(path, registry.TMP_MARKER)):
            raise UserError(f"{path} is not a temporary environment in {root}; not removed")
    except OSError as exc:
        raise UserError(f"cannot check {path}: {exc.strerror}") from None
    remove(os.path.basename(path))


# What ``venv --upgrade`` opens for writing by name (following links), in the
# env and in its scripts directory.
_VENV_WRITES = (".gitignore", "pyvenv.cfg")
_VENV_SCRIPTS = ("activate", "activate.csh", "activate.fish", "Activate.ps1", "activate.bat", "deactivate.bat",
                 "pydoc.bat")


def _unlink_venv_outputs(path) -> None:
    """Before ``venv --upgrade`` rewrites an env: a symbolic link at a name venv
    writes is removed (venv would write through it, into whatever it names:
    an env's owner is not necessarily the one repairing it), and a scripts
    directory that leads out of the env is refused."""
    layout = Layout.of(path)
    real_root = os.path.realpath(path)
    real_bin = os.path.realpath(layout.bin_dir)
    if not (real_bin == real_root or real_bin.startswith(real_root.rstrip(os.sep) + os.sep)):
        raise UserError(f"{layout.bin_dir} leads out of the environment (a link to {real_bin}); not repaired")
    for name in _VENV_WRITES:
        if os.path.islink(os.path.join(path, name)):
            os.unlink(os.path.join(path, name))
    for name in _VENV_SCRIPTS:
        if os.path.islink(os.path.join(layout.bin_dir, name)):
            os.unlink(os.path.join(layout.bin_dir, name))


def repair(name: str, python: str | None) -> str:
    """Point a broken environment at a working interpreter of the same X.Y and
    rewrite its scripts. Another X.Y is refused: the packages live in
    lib/pythonX.Y, which another interpreter does not read."""
    import subprocess

    path = registry.path_of(name)
    cfg_path = os.path.join(path, "pyvenv.cfg")
    _unlink_venv_outputs(path)
    try:
        cfg = read_cfg(cfg_path)
        old_lines = [line.rstrip("\r") for line in read_text(cfg_path).split("\n")]
    except (OSError, UnicodeError):
        if python is None:
            raise UserError(f"cannot read {cfg_path}; name the interpreter: "
                            f"envwrap repair {name} -p PYTHON") from None
        cfg, old_lines = {}, []
    layout = Layout.of(path)
    made_with = layout.cfg_version()
    if made_with is None and not layout.windows:
        found = layout.site_packages_by_version()
        made_with = next(iter(found)) if len(found) == 1 else None
    spec = python or made_with  # the version, found as -p X.Y and upgrade find it
    exe = creators.find_python(spec) if spec else creators.own_base_python()
    if made_with is not None:
        target = creators.python_version(exe)
        if target != made_with:
            raise UserError(
                f"'{name}' was made with Python {made_with} and {spec or exe} is Python {target}: repair keeps "
                f"the version (the packages are in lib/python{made_with}); use -p python{made_with}, or move "
                f"the environment to {target} with 'envwrap upgrade -p {spec or exe} {name}'"
            )
    # venv --upgrade keeps existing interpreter links, dangling ones included:
    # remove them (only links, only the interpreter's names) so venv makes new ones.
    for entry in os.scandir(layout.bin_dir):
        interpreter = entry.name in ("python", "python3") or entry.name.startswith(("python3.", "pypy"))
        if interpreter and entry.is_symlink():
            os.unlink(entry.path)
    cmd = [exe or creators.own_base_python(), "-m", "venv", "--upgrade", "--without-pip"]
    if cfg.get("include-system-site-packages", "").lower() == "true":
        cmd.append("--system-site-packages")  # venv --upgrade rewrites the setting from its options
    status = subprocess.call(cmd + [str(path)], stdout=sys.stderr.fileno())
    if status != 0:
        raise UserError(f"{exe} -m venv --upgrade failed with status {status}")
    pyvenv.keep_cfg_lines(cfg_path, old_lines)
    activate.write_all(path, path, pyvenv.cfg_prompt(cfg.get("prompt")) or name, layout.windows)
    problem = registry.broken(path)
    if problem:
        raise UserError(f"'{name}' is still broken: {problem}")
    return path


def _link_tree(src, dst, copied) -> None:
    """Rebuild the tree ``src`` at ``dst`` with hard links (copies where the file
    system refuses them), except for the files in ``copied`` (paths relative to
    ``src``) and every file of the top of the bin directory, which are copied:
    those are the ones a rename rewrites. Every writer replaces a file (a new
    file renamed over it, :mod:`envwrap.core.atomicfile`), never writes it in place,
    so the original stays as it was; the copies are a second guard. Links stay
    links, which the writers replace rather than write through."""
    from envwrap.core.files import copy_file, copy_tree

    def place(path: str, out: str, rel: str) -> None:
        if rel in copied or os.path.dirname(rel) in copied:
            copy_file(path, out)
            return
        try:
            os.link(path, out, follow_symlinks=False)
        except OSError:
            copy_file(path, out)

    os.makedirs(os.fspath(dst))
    copy_tree(src, dst, place=place)


def move(old: str, new: str) -> str:
    """Rename environment ``old`` to ``new``.

    The renamed env is built beside the old one, in a stage, as a tree of hard
    links to the old env's files (copies where the file system refuses links)
    with every file that names the old path rewritten as a new file: the old
    env's own files are never written. Then, under both name locks, the new env
    is published with one rename and the old one goes to the trash with another.
    Killed at any moment, this leaves the old env whole (before the publish), or
    both whole (between the two renames), or the new one whole; never a
    half-rewritten env. The cost of a copy is avoided: links take no space."""
    from pathlib import Path

    names.validate(old)
    names.validate(new)
    root = Path(home.existing_workon_home())
    link = root / old
    if link.is_symlink():
        raise UserError(f"'{old}' in {root} is a link to {os.path.realpath(link)}; rename the link itself")
    src = Path(registry.path_of(old))
    if old == new:
        raise UserError(f"'{old}' already has that name")
    final = Path(registry.check_new_name(root, new))
    if registry.is_active(src):
        raise UserError(f"environment '{old}' is active: deactivate it first")
    layout = Layout.of(src)
    staging.sweep(root)
    with staging.NameLock(root, old), staging.NameLock(root, new), staging.Stage(root) as stage:
        staged = stage.dir / new
        copied = {"pyvenv.cfg", os.path.relpath(layout.bin_dir, src)}
        try:
            _link_tree(src, staged, copied)
        except OSError as exc:
            raise UserError(f"cannot copy {src}: {exc.strerror or exc}") from None
        _rebase_links(staged, src, final)
        from envwrap.env import relocation

        relocation.relocate(staged, src, final)
        relocation.relocate_text(staged, src, final)
        staged_layout = Layout.of(staged)
        pyvenv.rename_prompt(staged_layout, old, new)
        try:
            prompt = pyvenv.cfg_prompt(read_cfg(staged_layout.cfg).get("prompt")) or new
        except (OSError, UnicodeError):
            prompt = new
        activate.write_all(staged, final, prompt, staged_layout.windows)
        _pre_creation_hooks(staged, root, [("premvvirtualenv", old, new)])
        staging.publish(staged, final)
        project = registry.project_of(final)
        registry.follow_in_project(project, src, final)  # .python-envs lines (and an old .venv) follow
        from envwrap.env import kernels

        kernels.follow_move(src, new, final)  # its Jupyter kernel, if envwrap wrote one
        staging.discard(src, root)
    hooks.run(os.path.join(home.hook_dir(), "postmvvirtualenv"), old, new, cwd=root)
    return os.fspath(final)
