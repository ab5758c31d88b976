"""The documentation holds together: README.md stays a front page, and every
relative link in it, in CONTRIBUTING.md and in docs/ leads to a file that exists
(and, with a #fragment, to a heading of that file)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

FRONT_PAGE_MAX_LINES = 300


def _pages() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`]*`", "code", text)


def links(text: str) -> list[str]:
    return re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", _prose(text))


def anchors(text: str) -> set[str]:
    """The #fragments GitHub gives the headings of a Markdown page."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S),
                              re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def test_readme_is_a_front_page():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= FRONT_PAGE_MAX_LINES, f"README.md has {lines} lines; the reference belongs in docs/"


def test_every_docs_page_is_linked_from_the_readme():
    targets = {(ROOT / link.split("#")[0]).resolve() for link in links((ROOT / "README.md").read_text("utf-8"))}
    missing = [page.name for page in _pages()[1:] if page.resolve() not in targets]
    assert not missing, f"README.md links to no {missing}"


def test_every_relative_link_leads_somewhere():
    broken = []
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for link in links(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", link):  # https:, mailto:
                continue
            path, _, fragment = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: {link}"
            if not target.exists():
                broken.append(f"{where} (no such file)")
            elif fragment and target.suffix == ".md" and fragment not in anchors(target.read_text("utf-8")):
                broken.append(f"{where} (no such heading)")
    assert not broken, "\n".join(broken)


def test_the_link_checker_sees_links_and_headings():
    """The checks above find what they check (an empty list would pass them)."""
    assert links("see [a](docs/x.md#y), `[not](a-link)`, [b](https://e.org)") == ["docs/x.md#y", "https://e.org"]
    assert anchors("# A `b` (c)\n## Keeping WORKON_HOME tidy\n## A b c\n") == {
        "a-b-c", "keeping-workon_home-tidy", "a-b-c-1"}
    assert len(links((ROOT / "README.md").read_text("utf-8"))) >= 10
