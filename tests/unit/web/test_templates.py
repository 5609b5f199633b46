"""Every page's <title> is plain text: twice a template edit put a page section inside the title
block, which browsers then showed as raw markup in the tab (the profile and 负面行为 pages)."""

from __future__ import annotations

import re

from tests.paths import REPO_ROOT

_TITLE = re.compile(r"{% block title %}(.*?){% endblock %}", re.S)


def test_title_blocks_hold_one_line_of_text() -> None:
    bad = [
        template.name
        for template in sorted((REPO_ROOT / "web" / "templates").glob("*.html"))
        for title in _TITLE.findall(template.read_text(encoding="utf-8"))
        if "<" in title or "\n" in title
    ]
    assert bad == []
