"""Comparing two PDF revisions on the page: a summary and the changed lines of each page, in
Chinese (#14 item 3: it was a JSON dump with \\uXXXX escapes and an empty summary)."""

from __future__ import annotations

from tests.drawings.conftest import World
from tests.web.pages import sign_in


async def test_pdf_revisions_compare_as_readable_page_changes(world: World) -> None:
    old = await world.uploaded("建施-09", "pdf/flange.v1.pdf")
    new = await world.uploaded("建施-09", "pdf/flange.v2.pdf")
    diff = (await world.get(f"/revisions/{old}/diff/{new}")).json()
    assert diff["format"] == "pdf" and diff["changedPages"], diff

    await sign_in(world.client, world.owner.username)
    page = await world.client.get("/review/compare", params={"old": old, "new": new})
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert "addedLines" not in text and "\\u" not in text  # no raw JSON
    changed = "、".join(str(n) for n in diff["changedPages"])
    assert f"有变化的页：第 {changed} 页" in text
    shown = [
        (tag, line)
        for page_diff in diff["pages"]
        for tag, key in (("ins", "addedLines"), ("del", "removedLines"))
        for line in page_diff[key][:3]
    ]
    assert shown  # v2 drops the trial-version notice of v1
    for tag, line in shown:
        assert f"<{tag}>{line}</{tag}>" in text, line
