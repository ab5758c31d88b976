"""A distribution's origin as PEP 610's ``direct_url.json`` records it, turned
into the requirement that installs it again from the same place: ``name @ URL``
as ``pip freeze`` writes it (a VCS URL at its commit, ``#subdirectory=``), an
editable's source directory, or ``name==version`` for one from an index. The
manifest (:mod:`envwrap.env.manifest`) keeps these; import and upgrade install
them."""

from __future__ import annotations

import os


def url_path(url: str) -> str:
    from urllib.parse import unquote, urlparse
    from urllib.request import url2pathname

    parsed = urlparse(url)
    return url2pathname(unquote(parsed.path)) if parsed.scheme == "file" else url


def entry(name: str, version: str, direct) -> tuple[str, str]:
    """What the manifest keeps of one distribution, from its direct_url.json
    (PEP 610) when it has one: ("editable", source directory) for an editable
    install of a local directory, else ("distribution", requirement): the
    requirement ``name @ URL`` (a VCS URL with its commit, as ``pip freeze``
    writes it) for one installed from a URL, a local directory or a local
    archive, and ``name==version`` for one installed from an index."""
    url = direct.get("url") if isinstance(direct, dict) else None
    if not isinstance(url, str) or not url.strip():
        return "distribution", f"{name}=={version}"
    url = _canonical_url(url.strip())
    dir_info = direct.get("dir_info")
    if isinstance(dir_info, dict) and dir_info.get("editable") is True and url.startswith("file:"):
        return "editable", url_path(url)
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str) and vcs["vcs"]:
        if not url.startswith(vcs["vcs"] + "+"):
            url = f"{vcs['vcs']}+{url}"
        revision = vcs.get("commit_id") or vcs.get("requested_revision")
        if isinstance(revision, str) and revision:
            url += "@" + revision
    subdirectory = direct.get("subdirectory")
    if isinstance(subdirectory, str) and subdirectory:
        url += "#subdirectory=" + subdirectory
    return "distribution", f"{name} @ {url}"


def _canonical_url(url: str) -> str:
    """One spelling of a URL, whoever recorded it: pip writes a VCS URL's path
    unquoted (``sources ñ $x/repo``), uv quotes ``$`` too. What a requirement
    cannot hold (spaces, non-ASCII) is quoted, the escapes of characters that
    mean nothing special in a URL are undone, and every other escape stays."""
    import re
    from urllib.parse import quote

    def unescape(match) -> str:
        char = chr(int(match.group(1), 16))
        plain = (char.isascii() and char.isalnum()) or char in "-._~!$&'()*+,;="
        return char if plain else match.group(0).upper()

    return quote(re.sub(r"%([0-9A-Fa-f]{2})", unescape, url), safe=":/?#[]@!$&'()*+,;=%~")


def _direct_reference(requirement: str) -> tuple[str, str] | None:
    """(name, URL) of a requirement ``name @ URL``, else None."""
    name, at, url = requirement.partition(" @ ")
    return (name.strip(), url.strip()) if at and name.strip() and url.strip() else None


def installable(requirement: str) -> str:
    """A manifest's requirement as given to the installer. ``name @
    git+file:///path@commit`` (a VCS URL of a local repository, as pip freeze
    writes it) is refused by pips older than 24.1, which want a host in a VCS
    URL: it goes as ``git+file:///path@commit#egg=name``, which every pip and
    uv install alike (and record as the same URL)."""
    from urllib.parse import urlsplit

    direct = _direct_reference(requirement)
    if direct is None:
        return requirement
    name, url = direct
    scheme, _, rest = url.partition(":")
    if scheme.endswith("+file") and rest.startswith("///") and not urlsplit(url).netloc:
        return f"{url}{'&' if '#' in url else '#'}egg={name}"
    return requirement


def missing_source(requirement: str) -> str | None:
    """The local file or directory a ``name @ file:...`` requirement installs
    from, when it is not there (None when it is, or is not local)."""
    direct = _direct_reference(requirement)
    if direct is None or not direct[1].startswith("file:"):
        return None
    path = url_path(direct[1].split("#", 1)[0])
    return None if os.path.exists(path) else path
