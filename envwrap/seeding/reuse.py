"""The hot path of giving a new env pip: the shared zip chosen for the last
env of the same Python (:mod:`envwrap.seeding.choice` keeps that choice, and
says when it no longer holds), linked in without choosing again. Imports
only ``os`` and the lean parts of seeding (modes' ``.pth``, the launchers).
"""

from __future__ import annotations

import os

from envwrap.seeding.choice import env_facts, recall


def fast_seed(staged, final, home) -> bool:
    """Give the staged env (a Layout, to live at the Layout ``final`` in
    WORKON_HOME ``home``) pip from the shared zip chosen last time, when that
    choice still holds (see :func:`recall`) and the zip is in this home. False
    when it does not: the full choice runs (envwrap.seeding.cache.seed_pip)."""
    from envwrap.seeding import modes

    if staged.windows or home is None:
        return False
    facts = env_facts(staged)
    mode = modes.mode()
    if facts is None or mode == "copy":
        return False
    found = recall(*facts, mode)
    site = staged.site_packages()
    if found is None or site is None or not found[1]:
        return False
    shared = os.path.join(modes.seeds_path(home), found[1])
    try:
        os.utime(shared)  # reused now: doctor leaves it alone for a while (as shared_zip does)
    except OSError:
        return False  # not in this home (yet): the full way builds it
    from envwrap.seeding.launchers import write_pip_launchers

    modes.link_zip(site, shared, os.path.join(final.root, os.path.relpath(site, staged.root)))
    version = facts[1].split(".")
    write_pip_launchers(staged, final, f"{version[0]}.{version[1]}")
    return True
