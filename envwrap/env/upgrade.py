"""``envwrap upgrade``: rebuild environments on another interpreter, keeping
their distributions (same versions), editables, project, hooks, add2virtualenv
paths and prompt.

An upgrade is an export to memory (:mod:`envwrap.manifest`) and an import
built in a stage under the env's own name lock; only when the new env is
complete are the two swapped: the old one is renamed into
``.envwrap/backup/<id>/``, the new one into its place, and the old one then
into the trash. A process killed between those two renames leaves the old env
in the backup, where the next sweep (any creation, ``doctor --fix``) puts it
back (:func:`envwrap.staging.restore_backups`); on any failure before, the old
env was never touched.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from envwrap.core import home
from envwrap.core.errors import UserError
from envwrap.core.layout import Layout
from envwrap.env import creators, manifest, registry


def _scanned_distributions(env: str) -> list[tuple[str, str, dict | None]]:
    """The distributions of an env whose interpreter no longer runs: read from
    the .dist-info directories of its site-packages (with their direct_url.json,
    as :func:`envwrap.manifest.distributions` reports them)."""
    import json

    layout = Layout.of(env)
    sites = list(layout.site_packages_by_version().values()) if not layout.windows else []
    if not sites and layout.site_packages():
        sites = [layout.site_packages()]
    found: dict[str, tuple[str, str, dict | None]] = {}
    for site in sites:
        try:
            entries = sorted(os.listdir(site))
        except OSError:
            continue
        for entry in entries:
            if not entry.endswith(".dist-info"):
                continue
            meta = os.path.join(site, entry, "METADATA")
            name = version = None
            try:
                with open(meta, encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        if not line.strip():
                            break
                        key, _, value = line.partition(":")
                        if key == "Name":
                            name = value.strip()
                        elif key == "Version":
                            version = value.strip()
            except OSError:
                continue
            if not name or not version or name.lower() in found:
                continue
            direct = None
            try:
                with open(os.path.join(site, entry, "direct_url.json"), encoding="utf-8") as fh:
                    direct = json.load(fh)
            except (OSError, ValueError):
                pass
            found[name.lower()] = (name, version, direct if isinstance(direct, dict) else None)
    return sorted(found.values(), key=lambda d: d[0].lower())


def describe(name: str, path: str) -> dict:
    """The manifest of an env, from its interpreter when it runs, else from its files."""
    if registry.broken(path) is None:
        try:
            return manifest.build(name, path)
        except UserError:
            pass
    return manifest.build(name, path, lister=_scanned_distributions)


def _rebuild(name: str, path: str, data: dict, python: str | None) -> str:
    """Build ``name`` again from ``data`` in a stage, then swap it in."""
    from envwrap.core import staging

    root = Path(home.workon_home())
    staging.sweep(root)

    def publish(staged, final_path):  # instead of staging.publish: the name is taken, by the old env
        backup = staging.backup_dir(root) / uuid.uuid4().hex[:16]
        backup.mkdir(parents=True)
        from envwrap.core import atomicfile

        for marker in (registry.LAST_USED, registry.TMP_MARKER):
            if atomicfile.is_regular(os.path.join(path, marker)):  # never a link's target
                import shutil

                shutil.copy2(os.path.join(path, marker), os.path.join(staged, marker))  # its time is the data
        os.rename(final_path, backup / name)
        try:
            os.rename(staged, final_path)
        except OSError:
            os.rename(backup / name, final_path)
            raise
        # Still under the name lock: the old env goes to the trash.
        staging.discard(backup / name, root)
        try:
            os.rmdir(backup)
        except OSError:
            pass

    return manifest.create_from(data, name, python, announce=False, swap=publish)


def _target_python(data: dict, python: str | None) -> tuple[str | None, str]:
    """(-p for creation, 'X.Y.Z' it is) for an upgrade."""
    import subprocess

    spec = python
    if spec is None:
        wanted = data.get("python")
        if not wanted:
            raise UserError("the environment's Python version is unknown: name one with -p")
        spec = ".".join(wanted.split(".")[:2])
    exe = creators.find_python(spec)
    chosen = exe or creators.own_base_python()
    proc = subprocess.run([chosen, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise UserError(f"{chosen} does not run as a Python interpreter")
    return exe, proc.stdout.strip()
