"""Where an adopted environment came from (``envwrap adopt``): a small JSON
file in the env, :data:`FILENAME`, written when it is adopted and read by
``lsvirtualenv -l``, ``envwrap show`` and their ``--json`` (``adopted``).
Imports nothing of envwrap, so that the registry can read it."""

from __future__ import annotations

import os

FILENAME = ".envwrap-adopted"


def _load(env) -> dict | None:
    import json

    try:
        with open(os.path.join(os.fspath(env), FILENAME), encoding="utf-8") as fh:
            data = json.loads(fh.read(1 << 16))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def origin(env) -> dict | None:
    """``{"from": path, "tool": tool, "at": ISO time}``; None when the env was
    not adopted (or its record cannot be read)."""
    data = _load(env)
    if data is None or not all(isinstance(data.get(k), str) for k in ("from", "tool", "at")):
        return None
    return {"from": data["from"], "tool": data["tool"], "at": data["at"]}


def adoption_id(env) -> str | None:
    """The id of the adoption that made ``env`` (its journal's name), or None."""
    data = _load(env)
    ident = data.get("id") if data else None
    return ident if isinstance(ident, str) else None
