"""The commands that change the user's shell (workon, mkvirtualenv, ...).

Each takes the shell's descriptor (:class:`envwrap.shells.Shell`, looked up
once by ``envwrap sh``'s dispatch) and the user's arguments and returns a
:class:`~envwrap.plan.Plan`; ``envwrap sh SHELL COMMAND ARGS...`` prints it as code
for that shell, which the shell function evaluates only if the exit status is 0.
Their standard output is code, so everything meant for people goes to stderr,
the executed hooks' output included (:func:`_hook_stdout`).
"""

from __future__ import annotations

import os

from envwrap.core import home
from envwrap.core.errors import UserError, say
from envwrap.core.layout import VARS_FILE, Layout
from envwrap.env import hooks, registry
from envwrap.shells import Shell
from envwrap.shells.plan import Plan


def _deactivated_environ() -> dict:
    """The environment a hook would see once the current env is deactivated."""
    env = hooks.hook_environment()
    active = env.pop("VIRTUAL_ENV", None)
    env.pop("VIRTUAL_ENV_PROMPT", None)
    if active:
        bindir = Layout.of(active).bin_dir
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != bindir)
    return env


def _hook_stdout() -> int:
    """Where the hooks these commands execute write: stderr, never the code."""
    import sys

    return sys.stderr.fileno()


def activation(shell: Shell, name: str, env: str, plan: Plan, cd_project: bool) -> None:
    """Append the steps that activate ``env`` (preactivate hooks run now)."""
    problem = registry.broken(env)
    if problem:
        raise UserError(
            f"environment '{name}' is broken: {problem}; "
            f"run 'envwrap repair {name}' (add -p PYTHON to choose the interpreter)"
        )
    layout = Layout.of(env)
    script = shell.activate_path(layout)
    if not os.path.isfile(script):
        raise UserError(f"{script} is missing; run 'envwrap repair {name}' to rewrite it")
    hook_dir = home.hook_dir()
    hook_env = _deactivated_environ()
    join = os.path.join
    root = home.workon_home()
    cwd = root if os.path.isdir(root) else None  # virtualenvwrapper runs its hooks in WORKON_HOME
    out = _hook_stdout()
    hooks.run(join(hook_dir, "preactivate"), name, pre=True, env=hook_env, cwd=cwd, stdout=out)
    hooks.run(join(layout.bin_dir, "preactivate"), name, pre=True, env=hook_env, cwd=cwd, stdout=out)
    registry.mark_used(env)
    project = registry.project_of(env)
    if project is not None and not os.path.isdir(project):
        say(f"envwrap: project directory {project} (named in {registry.project_file(env)}) does not exist")
        project = None
    plan.leave()
    plan.activate(script, layout.bin_dir, env, hook_dir, project)
    # The deactivate hooks it must not source (the shell sources them with no
    # process; activating empties the list).
    refused = hooks.refused_for_deactivate(shell, layout.bin_dir, hook_dir, project)
    if refused:
        plan.set("__envwrap_hooks_refused", refused)
    # The env's own variables, before any postactivate hook (which may use them);
    # an env without any (one stat) imports no reader.
    if os.path.lexists(os.path.join(env, VARS_FILE)):
        from envwrap.env.activation import env_vars

        plan.vars(env_vars(env))
    # As in virtualenvwrapper, the cd to the project comes first: the
    # postactivate hooks run in the project directory (and may cd elsewhere).
    if project is not None and cd_project:
        plan.cd(project)
    hooks.source(plan, join(hook_dir, "postactivate"), shell)
    hooks.source(plan, join(layout.bin_dir, "postactivate"), shell)
    if project is not None:
        hooks.source(plan, join(project, ".virtualenvwrapper", "postactivate"), shell)


def _start(shell: Shell) -> Plan:
    plan = Plan()
    # The shell's WORKON_HOME hint, unless the user set WORKON_HOME: then the
    # shell reads it itself, and the config file stays unread on this path.
    if home.user_workon_home() is None:
        plan.home(*home.fallback_workon_home())
    return plan


def _env_for_dot() -> tuple[str, str]:
    """``workon .``: the env whose project holds the current directory, else the
    env named like the current directory."""
    from pathlib import Path

    cwd = Path.cwd()
    from envwrap.env import discovery

    for where in (cwd, *cwd.parents):  # .python-envs, .venv, .python-version: nearest first
        found = discovery.at(where)  # a .python-envs whose default is unusable: its one line
        if found is not None and os.path.isfile(os.path.join(found.env, "pyvenv.cfg")):
            inside = os.path.dirname(os.path.normpath(found.env)) == os.path.normpath(home.workon_home())
            return (os.path.basename(found.env) if inside else found.env), found.env
    best: tuple[int, str] | None = None
    root = home.workon_home()
    for name in registry.listing(root):
        found = registry.project_of(os.path.join(root, name))
        if found is None:
            continue
        try:
            project = Path(found).resolve()
        except OSError:
            continue
        if cwd == project or project in cwd.parents:
            depth = len(project.parts)
            if best is None or depth > best[0]:
                best = (depth, name)
    if best is not None:
        return best[1], os.path.join(root, best[1])
    if os.path.isfile(os.path.join(root, cwd.name, "pyvenv.cfg")):
        return cwd.name, os.path.join(root, cwd.name)
    raise UserError(f"no environment has {cwd} as its project, and none is named '{cwd.name}'")


def _workon_args(args: list[str]) -> tuple[bool | None, str | None] | None:
    """workon's arguments without argparse (it costs more than the rest of workon);
    None when they need the full parser (help, mistakes)."""
    cd: bool | None = None
    rest = list(args)
    while rest and rest[0] in ("-c", "--cd", "-n", "--no-cd"):
        cd = rest.pop(0) in ("-c", "--cd")
    if rest and rest[0] == "--":
        rest.pop(0)
    elif rest and rest[0].startswith("-"):
        return None
    if len(rest) > 1:
        return None
    return cd, (rest[0] if rest else None)


def workon(shell: Shell, args: list[str]) -> Plan:
    quick = _workon_args(args)
    if quick is not None:
        return _workon(shell, *quick)
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="workon", description="Activate an environment; with no name, list them.")
    parser.add_argument("-c", "--cd", dest="cd", action="store_true", default=None,
                        help="cd to the project directory (the default, unless VIRTUALENVWRAPPER_WORKON_CD=0)")
    parser.add_argument("-n", "--no-cd", dest="cd", action="store_false", help="do not cd to the project")
    parser.add_argument("name", nargs="?", help="environment name, or . for the current project's")
    opts = parser.parse_args(args)
    return _workon(shell, opts.cd, opts.name)


def _workon(shell: Shell, cd: bool | None, name: str | None) -> Plan:
    plan = _start(shell)
    if name is None:
        plan.list()
        return plan
    if name == ".":
        name, env = _env_for_dot()
    else:
        env = registry.path_of(name)
    activation(shell, name, env, plan, home.workon_cd() if cd is None else cd)
    return plan


def auto(shell: Shell, args: list[str]) -> Plan:
    """``envwrap sh SHELL auto [-q] DIR ENV``, from the shell's auto-activation
    hook: activate the env that DIR's marker names (DIR found by the shell, which
    passes the env it read as ENV; the backend reads DIR again, envwrap.discovery),
    as workon does but without a cd, when the user made or allowed it
    (envwrap.trust; refused with status 3). Not for people."""
    usage = ("usage: auto [-q] DIR ENV: activate the env DIR's marker names, if the user made or allowed it "
             "(-q: the refusal was said before; the call of the cd hook, envwrap sh SHELL auto)")
    if args[:1] in (["-h"], ["--help"]):
        print(usage)
        raise SystemExit(0)
    quiet = args[:1] == ["-q"]
    if quiet:
        args = args[1:]
    if len(args) != 2:
        raise UserError(usage, 2)
    where, _ = args  # ENV: what the shell read; the backend reads DIR again and decides
    from envwrap.env import discovery, trust

    try:
        found = discovery.at(where)
    except UserError as exc:
        raise UserError(f"{exc}; not activated here until you leave this directory") from None
    if found is None:
        raise UserError(f"nothing in {where} names an environment any more; not activated")
    env = found.env
    if not os.path.isfile(os.path.join(env, "pyvenv.cfg")):
        raise UserError(f"{found.marker} names {env}, which is not an environment; "
                        "not activated here until you leave this directory")
    # Nothing of the env runs (its preactivate, its activate script) before this.
    trust.check_auto(found, shell, quiet)
    root = os.path.normpath(home.workon_home())
    name = os.path.basename(env) if os.path.dirname(os.path.normpath(env)) == root else env
    plan = _start(shell)
    activation(shell, name, env, plan, False)
    return plan


def mkvirtualenv(shell: Shell, args: list[str]) -> Plan:
    from envwrap.cli.creation import create_options, creation_parser, quick_parse

    parsed = quick_parse(args, extra_dests=("manifest",))
    if parsed is None:
        parser = creation_parser("mkvirtualenv", "Create an environment in WORKON_HOME and activate it.")
        parser.add_argument("--from", dest="manifest", metavar="FILE",
                            help="make it from a manifest written by 'envwrap export', or a pylock.toml "
                                 "(as envwrap import does)")
        parser.add_argument("name", help="the new environment's name")
        parsed = parser.parse_known_args(args)
    opts, extra = parsed
    if opts.project and not os.path.isdir(os.path.expanduser(opts.project)):
        raise UserError(f"mkvirtualenv: project directory {opts.project} "
                        f"{home.why_not_dir(os.path.expanduser(opts.project))}")
    if opts.project:
        registry.check_project_file(os.path.expanduser(opts.project))
    if opts.manifest is not None:
        from envwrap.env import manifest, pylock

        if opts.packages or opts.requirements or extra:
            raise UserError("mkvirtualenv: --from takes the distributions from the manifest; drop -i/-r")
        if pylock.is_lock(opts.manifest):
            env = pylock.create_from(pylock.load(opts.manifest), opts.manifest, opts.name, opts.python,
                                     base_opts=create_options(opts, extra), hook_stdout=_hook_stdout())
        else:
            data = manifest.load(opts.manifest)
            env = manifest.create_from(data, opts.name, opts.python, base_opts=create_options(opts, extra),
                                       hook_stdout=_hook_stdout())
    else:
        from envwrap.env.lifecycle import create

        env = create(opts.name, create_options(opts, extra), hook_stdout=_hook_stdout())
    if opts.project:
        registry.name_in_project(env)
    plan = _start(shell)
    activation(shell, opts.name, env, plan, home.workon_cd())
    hooks.source(plan, os.path.join(home.hook_dir(), "postmkvirtualenv"), shell)
    return plan


def mktmpenv(shell: Shell, args: list[str]) -> Plan:
    from envwrap.cli.creation import create_options, creation_parser

    parser = creation_parser("mktmpenv", "Create a temporary environment, removed when deactivated.")
    parser.add_argument("-c", "--cd", dest="cd", action="store_true", default=True,
                        help="cd into the environment's directory (default)")
    parser.add_argument("-n", "--no-cd", dest="cd", action="store_false", help="stay in this directory")
    opts, extra = parser.parse_known_args(args)
    import uuid

    from envwrap.env.lifecycle import create

    name = f"tmp-{uuid.uuid4().hex[:12]}"
    env = create(name, create_options(opts, extra), tmp=True, hook_stdout=_hook_stdout())
    plan = _start(shell)
    activation(shell, name, env, plan, False)
    hooks.source(plan, os.path.join(home.hook_dir(), "postmkvirtualenv"), shell)
    if opts.cd:  # after postmkvirtualenv, as virtualenvwrapper's cdvirtualenv
        plan.cd(env)
    say(f"envwrap: created temporary environment {name}; deactivate removes it")
    return plan


def cpvirtualenv(shell: Shell, args: list[str]) -> Plan:
    from envwrap.cli.argparsing import Parser
    from envwrap.env.lifecycle import copy

    parser = Parser(prog="cpvirtualenv", description="Copy an environment and activate the copy.")
    parser.add_argument("source", help="environment name, or path to an environment")
    parser.add_argument("dest", nargs="?", help="new name (default: the source's name)")
    opts = parser.parse_args(args)
    env = copy(opts.source, opts.dest, hook_stdout=_hook_stdout())
    plan = _start(shell)
    activation(shell, os.path.basename(env), env, plan, home.workon_cd())
    # virtualenvwrapper sources both, in this order, after activating the copy.
    hooks.source(plan, os.path.join(home.hook_dir(), "postmkvirtualenv"), shell)
    hooks.source(plan, os.path.join(home.hook_dir(), "postcpvirtualenv"), shell)
    return plan


def mkproject(shell: Shell, args: list[str]) -> Plan:
    from envwrap.cli.argparsing import HIDDEN
    from envwrap.cli.creation import create_options, creation_parser
    from envwrap.env.lifecycle import create

    parser = creation_parser("mkproject", "Create a project directory in PROJECT_HOME and its environment.",
                              project_option=False)
    parser.add_argument("-f", "--force", action="store_true",
                        help="use the project directory, and the environment NAME, even if they exist")
    parser.add_argument("-t", dest="templates", action="append", default=[], help=HIDDEN)
    parser.add_argument("name", help="project and environment name")
    opts, extra = parser.parse_known_args(args)
    if opts.templates:
        raise UserError("mkproject: project templates (-t) are not supported by envwrap")
    if opts.project:
        raise UserError("mkproject: -a does not apply: the project is PROJECT_HOME/NAME "
                        "(to bind another directory: mkvirtualenv -a DIR NAME)", 2)
    from envwrap.core import names

    names.validate(opts.name)
    projects = home.project_home()
    project = os.path.join(projects, opts.name)
    if os.path.exists(project) and not opts.force:
        raise UserError(f"mkproject: project {project} already exists (use -f to reuse it)")
    root = home.ensure_workon_home()
    reuse = opts.force and os.path.isfile(os.path.join(root, opts.name, "pyvenv.cfg"))
    if reuse:
        # -f with an existing env: bind it to the project; creation options cannot apply.
        given = [flag for flag, value in (("-p", opts.python), ("-i", opts.packages), ("-r", opts.requirements),
                                          ("--system-site-packages", opts.system_site_packages),
                                          ("--creator", opts.creator), ("--prompt", opts.prompt),
                                          ("-a", opts.project)) if value] + extra
        if given:
            raise UserError(f"mkproject: environment '{opts.name}' exists and is reused as it is; "
                            f"{given[0]} applies only to a new one")
        env = registry.path_of(opts.name)
        problem = registry.broken(env)
        if problem:
            raise UserError(f"mkproject: environment '{opts.name}' is broken: {problem} (envwrap repair {opts.name})")
    else:
        registry.check_new_name(root, opts.name)
    registry.check_project_file(project)
    # virtualenvwrapper runs it in WORKON_HOME, with the project's name.
    hooks.run(os.path.join(home.hook_dir(), "premkproject"), opts.name, cwd=root, pre=True,
              stdout=_hook_stdout())
    created = not os.path.exists(project)
    os.makedirs(project, exist_ok=True)
    try:
        if reuse:
            registry.set_project(env, project)
        else:
            options = create_options(opts, extra)
            options.project = project
            env = create(opts.name, options, hook_stdout=_hook_stdout())
    except BaseException:
        if created:
            try:
                os.rmdir(project)
            except OSError:
                pass
        raise
    registry.name_in_project(env)
    say(f"envwrap: {'created' if created else 'using existing'} project {project}"
         + (f" for the existing environment '{opts.name}'" if reuse else ""))
    plan = _start(shell)
    # virtualenvwrapper's order: activate, postmkvirtualenv (where you are),
    # then cd to the project and postmkproject there.
    activation(shell, opts.name, env, plan, False)
    if not reuse:
        hooks.source(plan, os.path.join(home.hook_dir(), "postmkvirtualenv"), shell)
    plan.cd(project)
    hooks.source(plan, os.path.join(home.hook_dir(), "postmkproject"), shell)
    return plan


def cdsitepackages(shell: Shell, args: list[str]) -> Plan:
    from envwrap.cli.argparsing import Parser
    from envwrap.env.sitepackages import site_packages

    parser = Parser(prog="cdsitepackages", description="cd to the active environment's site-packages.")
    parser.add_argument("subdir", nargs="?", default="")
    opts = parser.parse_args(args)
    _, env = registry.current(None, "cdsitepackages")
    target = os.path.join(site_packages(env), opts.subdir)
    if not os.path.isdir(target):
        raise UserError(f"cdsitepackages: {target} is not a directory")
    plan = Plan()
    plan.cd(target)
    return plan


def cdproject(shell: Shell, args: list[str]) -> Plan:
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="cdproject", description="cd to the active environment's project directory.")
    parser.add_argument("subdir", nargs="?", default="")
    opts = parser.parse_args(args)
    name, env = registry.current(None, "cdproject")
    project = registry.project_of(env)
    if project is None:
        raise UserError(f"cdproject: environment '{name}' has no project (setvirtualenvproject sets one)")
    if not os.path.isdir(project):
        raise UserError(f"cdproject: project directory {project} "
                        f"(named in {registry.project_file(env)}) does not exist")
    plan = Plan()
    plan.cd(os.path.join(project, opts.subdir))
    return plan


def cdvirtualenv(shell: Shell, args: list[str]) -> Plan:
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="cdvirtualenv", description="cd to the active environment's directory.")
    parser.add_argument("subdir", nargs="?", default="")
    opts = parser.parse_args(args)
    home.existing_workon_home()
    if not os.environ.get("VIRTUAL_ENV"):  # the shells' words (no environment to name)
        raise UserError("cdvirtualenv: no environment is active; run workon first")
    _, env = registry.current(None, "cdvirtualenv")
    target = os.path.join(env, opts.subdir)
    if not os.path.isdir(target):
        raise UserError(f"cdvirtualenv: {target} is not a directory")
    plan = Plan()
    plan.cd(target)
    return plan


def deactivate(shell: Shell, args: list[str]) -> Plan:
    """Only ``deactivate --help``: the shell deactivates by itself (no process)
    and asks the backend for nothing else."""
    from envwrap.cli.argparsing import Parser

    parser = Parser(prog="deactivate", description=(
        "Leave the active environment: run the predeactivate hooks (the environment's, "
        "the global one, the project's), restore PATH, the prompt and the variables "
        "workon set, run the postdeactivate hooks, and remove the environment if "
        "mktmpenv made it."))
    parser.parse_args(args)
    raise UserError("deactivate: the shell does this itself; with an environment active, "
                    "run deactivate", 2)
