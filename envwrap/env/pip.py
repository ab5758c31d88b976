"""Running an environment's own pip: installing (mkvirtualenv -i/-r and
--upgrade-deps, and so an upgrade's or an import's reinstall), listing and
uninstalling (wipeenv). Every call goes through :func:`invocation`."""

from __future__ import annotations

import os
import sys

from envwrap.core import staging
from envwrap.core.errors import UserError
from envwrap.core.layout import Layout


def invocation(layout: Layout, *args: str) -> tuple[list[str], dict[str, str]]:
    """(command line, environment) that run ``pip ARGS`` with the env's own
    interpreter, as if the env were active, whatever the caller's shell has
    active or on PYTHONPATH, and without pip's version check."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = layout.root
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return [str(layout.python), "-m", "pip", *args], env


def install(layout: Layout, args: list[str]) -> None:
    """``pip install ARGS`` in an env still in its stage; a failure is one line
    that names the distribution pip says failed."""
    import shlex
    import subprocess

    cmd, env = invocation(layout, "install", *args)
    # pip's messages pass through as they come; the one that names the
    # distribution that failed is kept for our own line.
    proc = subprocess.Popen(cmd, stdout=sys.stderr.fileno(), stderr=subprocess.PIPE, env=env,
                            stdin=subprocess.DEVNULL, pass_fds=staging.child_fds())
    culprit = None
    assert proc.stderr is not None
    sys.stderr.flush()
    for raw in proc.stderr:
        os.write(sys.stderr.fileno(), raw)
        culprit = culprit or _culprit(raw.decode("utf-8", "replace"))
    status = proc.wait()
    if status != 0:
        shown = " ".join(shlex.quote(a) for a in args)
        what = f"on {culprit}" if culprit else f"({shown})"
        raise UserError(f"pip install failed {what} (status {status}); the environment was not created")


_PIP_FAILURES = (
    r"No matching distribution found for (\S+)",
    r"Could not find a version that satisfies the requirement (\S+)",
    r"Failed (?:to build|building wheel for) (\S+)",
    r"Failed to build installable wheels for some pyproject.toml based projects \((\S+)\)",
    r"error: subprocess-exited-with-error.*?(?:for|×) (\S+)",
)


def _culprit(line: str) -> str | None:
    """The distribution a line of pip's stderr says failed, if it says so."""
    import re

    for pattern in _PIP_FAILURES:
        match = re.search(pattern, line)
        if match:
            return match.group(1).rstrip(".,;")
    return None


def wipe(env) -> list[str]:
    """Uninstall every package pip reports in the env (pip itself stays)."""
    import subprocess

    from envwrap.env.registry import broken

    layout = Layout.of(env)
    if not os.path.exists(layout.python):
        raise UserError(f"{env} has no working interpreter: {broken(env)}")
    listed = []
    for which in ("--exclude-editable", "--editable"):
        cmd, envvars = invocation(layout, "list", "--local", "--format=freeze", which)
        listed.append(subprocess.run(cmd, capture_output=True, text=True, env=envvars))
    proc, editable = listed
    if proc.returncode != 0:
        raise UserError(f"pip cannot list the packages of {env}; is pip installed in it?")
    keep = {"pip", "setuptools", "wheel", "distribute"}
    pkgs = []
    for line in (proc.stdout + editable.stdout).splitlines():
        pkg = line.split("==")[0].strip()
        if pkg and pkg.lower() not in keep:
            pkgs.append(pkg)
    if pkgs:
        cmd, envvars = invocation(layout, "uninstall", "-y", *pkgs)
        status = subprocess.call(cmd, stdout=sys.stderr.fileno(), env=envvars)
        if status != 0:
            raise UserError(f"pip uninstall failed with status {status}")
    return pkgs
