"""``envwrap vars``: an environment's own variables (workon exports them).
"""

from __future__ import annotations

import os
import sys

from envwrap.cli.output import JSON_VERSION, _json, _tell
from envwrap.core.errors import UserError, say

VARS_USAGE = """usage: envwrap vars [NAME] [--json]
       envwrap vars [NAME] set KEY=VALUE...
       envwrap vars [NAME] unset KEY...

NAME defaults to the active environment.

An environment's own variables: workon exports them, deactivate puts each one
back as it was before (its old value, empty, or unset), and envwrap run passes
them to the command. They are kept inside the environment, in .envwrap-vars.toml,
so copying or moving the environment carries them. KEY is a shell-safe name
(letters, digits, _), not one that envwrap or the shell manages (PATH,
VIRTUAL_ENV, HOME, ...); VALUE is any text, newlines included.
"""


def cmd_vars(args: list[str]) -> int:
    from pathlib import Path

    from envwrap.core import home
    from envwrap.core.staging import NameLock
    from envwrap.env import registry
    from envwrap.env import variables as envvars

    if args[:1] in (["-h"], ["--help"]):
        sys.stdout.write(VARS_USAGE)
        return 0
    words = ("set", "unset", "--json")
    # No NAME (nothing, or an action first): the active environment, as
    # showvirtualenv and wipeenv have it. `vars set set K=V`: the env named set.
    if registry.active_env() and (not args or (args[0] in words and args[1:2] not in (["set"], ["unset"]))):
        name, env = registry.current(None, "vars")
        rest = args
    elif not args:
        sys.stdout.write(VARS_USAGE)
        raise UserError("vars: name an environment, or activate one: "
                        "envwrap vars [NAME] [set KEY=VALUE... | unset KEY...]", 2)
    else:
        name, rest = args[0], args[1:]
        try:
            env = registry.path_of(name)
        except UserError:
            if name in words:
                raise UserError(f"vars: no environment is active and none is named '{name}': "
                                "envwrap vars NAME [set KEY=VALUE... | unset KEY...]", 2) from None
            raise
    if not rest or rest == ["--json"]:
        values = envvars.load(env)
        if rest:
            _json({"version": JSON_VERSION, "environment": name, "vars": values})
        else:
            for key, value in values.items():
                _tell(f"{key}={value}")
        return 0
    action, items = rest[0], rest[1:]
    if action not in ("set", "unset"):
        raise UserError(f"vars: unknown action '{action}' (set KEY=VALUE... or unset KEY...)", 2)
    if not items:
        what = "KEY=VALUE" if action == "set" else "KEY"
        raise UserError(f"vars: {action}: name at least one {what}", 2)
    changes: dict[str, str | None] = {}
    for item in items:
        if action == "set":
            key, eq, value = item.partition("=")
            if not eq:
                raise UserError(f"vars: set: '{item}' is not KEY=VALUE", 2)
        else:
            key, value = item, None
        problem = envvars.validate_key(key)
        if problem is None and value is not None:
            problem = envvars.validate_value(key, value)
        if problem:
            raise UserError(f"vars: {problem}; nothing changed", 2)
        changes[key] = value
    with NameLock(Path(home.workon_home()), name):
        values = envvars.load(env)
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        envvars.save(env, values)
    if os.environ.get("VIRTUAL_ENV") == env:
        say(f"envwrap: {name} is active: run 'workon {name}' again for the change to take effect here")
    return 0
