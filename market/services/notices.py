"""Who hears of a purchase's change: the notices (站内消息) each one sends, written in the
transaction of the change (so a notice never tells of a change that rolled back). The words are
``market.rules.notice_texts``; the store is ``accounts.api.send_notices``.

The owner is told of what the draw (``SYSTEM``) decided, not of what it did itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts import api as accounts
from market.rules import notice_texts as texts
from market.services.json_columns import loads
from market.tables import Signup

if TYPE_CHECKING:
    from collections.abc import Iterable


async def send(recipients: Iterable[int | None], text: texts.NoticeText) -> None:
    await accounts.send_notices(
        (r for r in recipients if r is not None),
        kind=text.kind.value,
        title=text.title,
        body=text.body,
        link=text.link,
    )


async def bidders(purchase_id: int) -> list[int]:
    """The organisations that signed up for a purchase."""
    rows = await Signup.select(Signup.intermediary).where(Signup.purchase == purchase_id)
    return sorted(int(r["intermediary"]) for r in rows)


async def org_name(org_id: int) -> str:
    ref = await accounts.organisation(org_id)
    return ref.name if ref else ""


def _project(row: dict[str, Any]) -> tuple[str, int]:
    return str(row["project_name"]), int(row["id"])


async def winner_selected(row: dict[str, Any], winner: int, *, by_draw: bool) -> None:
    """The winner is told it won; every other bidder (but those that abandoned it before)
    that it did not, and who did; the owner who won, when the draw decided it."""
    project, pid = _project(row)
    name = await org_name(winner)
    abandoned = set(loads(row["excluded"], []))
    others = await Signup.select(Signup.intermediary, Signup.uscc).where(
        Signup.purchase == pid, Signup.intermediary != winner
    )
    await send([winner], texts.selected(project, pid))
    await send(
        [int(s["intermediary"]) for s in others if s["uscc"] not in abandoned],
        texts.not_selected(project, pid, name),
    )
    if by_draw:
        await send([row["owner"]], texts.selection_done(project, pid, name))


async def selection_failed(row: dict[str, Any], reason: str, *, by_draw: bool) -> None:
    project, pid = _project(row)
    await send(await bidders(pid), texts.failed(project, pid, reason, owner=False))
    if by_draw:
        await send([row["owner"]], texts.failed(project, pid, reason, owner=True))


async def owner_to_choose(row: dict[str, Any]) -> None:
    project, pid = _project(row)
    await send([row["owner"]], texts.owner_to_choose(project, pid))


async def cancelled(row: dict[str, Any], reason: str, *, by_owner: bool) -> None:
    project, pid = _project(row)
    text = texts.cancelled(project, pid, reason)
    await send(await bidders(pid), text)
    if not by_owner:  # the operator took it down
        await send([row["owner"]], text)


async def abandoned(row: dict[str, Any], winner: int, reason: str) -> None:
    project, pid = _project(row)
    await send([row["owner"]], texts.abandoned(project, pid, await org_name(winner), reason))


async def corrected(row: dict[str, Any], reason: str, changed: list[str]) -> None:
    project, pid = _project(row)
    await send(await bidders(pid), texts.corrected(project, pid, reason, changed))
