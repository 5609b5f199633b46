"""Who may act on what: supervisors, a purchase's owner and parties, and who reads or attaches
a file. One rule each, used by the API and the pages alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from kernel.errors import Forbidden, Invalid
from market.rules import evidence
from market.tables import Intermediary, Purchase, Qualification, Signup

if TYPE_CHECKING:
    from collections.abc import Mapping

    from accounts.api import Actor

Side = Literal["owner", "intermediary"]


def require_supervisor(actor: Actor) -> None:
    if not actor.is_supervisor:
        raise Forbidden("只有平台运营方或监管部门可以执行此操作")


def require_owner(actor: Actor, purchase: Mapping[str, Any]) -> None:
    if actor.org_id != purchase["owner"]:
        raise Forbidden("只有项目业主可以执行此操作", code="not_owner")


def side(actor: Actor, purchase: Mapping[str, Any]) -> Side:
    """The actor's side of a selected purchase: its owner or the selected intermediary."""
    if actor.org_id == purchase["owner"]:
        return "owner"
    if purchase["winner"] is not None and actor.org_id == purchase["winner"]:
        return "intermediary"
    raise Forbidden("只有项目业主和中选机构可以办理合同及成果", code="not_a_party")


def is_party(actor: Actor | None, purchase: Mapping[str, Any]) -> bool:
    return actor is not None and actor.org_id in (purchase["owner"], purchase["winner"])


async def check_attach(actor: Actor, subject: str) -> None:
    """May ``actor`` attach files to ``subject``? Its own onboarding and qualifications; a
    purchase it owns, won or signed up for."""
    target = evidence.parse_subject(subject)
    ok = False
    if target.kind == "intermediary":
        ok = await Intermediary.exists().where(
            Intermediary.id == target.ident, Intermediary.organisation == actor.org_id
        )
    elif target.kind == "qualification":
        ok = await Qualification.exists().where(
            Qualification.id == target.ident,
            Qualification.intermediary.organisation == actor.org_id,
        )
    else:
        ok = await Purchase.exists().where(
            Purchase.id == target.ident,
            (Purchase.owner == actor.org_id) | (Purchase.winner == actor.org_id),
        ) or await Signup.exists().where(
            Signup.purchase == target.ident, Signup.intermediary == actor.org_id
        )
    if not ok:
        raise Forbidden("无权为该对象上传材料", code="not_your_subject")


async def _holders(subject: str) -> set[int]:
    """The organisations a subject's files are for (``rules.evidence``)."""
    try:
        target = evidence.parse_subject(subject)
    except Invalid:  # a malformed stored subject is readable by supervisors only
        return set()
    if target.kind == "purchase":
        row = (
            await Purchase.select(Purchase.owner, Purchase.winner)
            .where(Purchase.id == target.ident)
            .first()
        )
        return {int(v) for v in (row or {}).values() if v is not None}
    if target.kind == "intermediary":
        rows = await Intermediary.select(Intermediary.organisation).where(
            Intermediary.id == target.ident
        )
    else:
        rows = await Qualification.select(
            Qualification.intermediary.organisation.as_alias("organisation")
        ).where(Qualification.id == target.ident)
    return {int(r["organisation"]) for r in rows}


async def check_read(actor: Actor, subject: str) -> None:
    """May ``actor`` read the files attached to ``subject``? (``rules.evidence``)."""
    holders = set() if actor.is_supervisor else await _holders(subject)
    if not evidence.may_read(
        reader_org=actor.org_id, reader_is_supervisor=actor.is_supervisor, holders=holders
    ):
        raise Forbidden("无权查看该材料", code="evidence_forbidden")
