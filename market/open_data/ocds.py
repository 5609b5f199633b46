"""Pure OCDS 1.1 mapping: the facts of one purchase → its releases, packages and record.

No database, clock or settings here: ``queries`` gathers the facts (and decides what is public,
such as sealed quotes) and passes ``now`` and the publisher's details in. Each stage of the
purchase is one release dated when it happened: ``tender`` at publication, ``award`` at the
selection, ``contract`` at the confirmed signing, ``contractAmendment`` for each approved
extension, ``implementation`` at the owner's acceptance (with the rating and the credit effects).
A cancelled purchase adds ``tenderCancellation``, a failed one (流标) a ``tenderUpdate``, and each
correction of the announcement (the owner's 更正公告, or one published with a complaint's answer)
a ``tenderAmendment``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from market.open_data.facts import (
    ContractFacts,
    Org,
    Publisher,
    PurchaseFacts,
    Selection,
)
from market.rules.labels import FUND_LABELS, METHOD_LABELS, NEGATIVE_KINDS, RATING_DIMENSIONS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

VERSION: Final = "1.1"
CURRENCY: Final = "CNY"
USCC_SCHEME: Final = "CN-USCC"
# Quotes are published with the bid extension's ``bids.details``; the paginated package uses the
# pagination extension's ``links``. Both are listed in each package's ``extensions``.
BID_EXTENSION: Final = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
    "v1.1.5/extension.json"
)
PAGINATION_EXTENSION: Final = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_pagination_extension/"
    "v1.1.5/extension.json"
)
EXTENSIONS: Final = (BID_EXTENSION, PAGINATION_EXTENSION)

# procurementMethod (closed codelist) for each selection method; the details keep the Chinese name.
PROCUREMENT_METHODS: Final[dict[str, str]] = {
    "direct_selection": "direct",
    "random_draw": "open",
    "lowest_price": "open",
    "reference_price": "open",
    "credit_merit": "open",
    "proposal_merit": "open",
}
AWARD_CRITERIA: Final[dict[str, str]] = {
    "direct_selection": "",
    "random_draw": "",
    "lowest_price": "priceOnly",
    "reference_price": "priceOnly",
    "credit_merit": "qualityOnly",
    "proposal_merit": "qualityOnly",
}


@dataclass(frozen=True)
class Release:
    """An OCDS release with the fields a reader sorts and filters by lifted out."""

    ocid: str
    id: str
    date: dt.datetime
    data: dict[str, Any] = field(compare=False)


def ocid(prefix: str, purchase_id: int) -> str:
    return f"{prefix}-{purchase_id}"


def purchase_id(prefix: str, value: str) -> int | None:
    """The purchase id an ocid names under ``prefix``; None for any other string."""
    head = f"{prefix}-"
    rest = value[len(head) :] if value.startswith(head) else ""
    if not rest.isascii() or not rest.isdigit() or len(rest) > 12 or rest.startswith("0"):
        return None
    return int(rest)


def timestamp(moment: dt.datetime) -> str:
    """RFC 3339 with an offset; a naive value is UTC (SQLite may return one)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day_start(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+08:00"


def _day_end(day: dt.date) -> str:
    return f"{day.isoformat()}T23:59:59+08:00"


def money(fen: int) -> dict[str, Any]:
    """A Value in CNY; whole yuan as an integer, otherwise to the fen."""
    amount: int | float = fen // 100 if fen % 100 == 0 else fen / 100
    return {"amount": amount, "currency": CURRENCY}


def party_id(org: Org) -> str:
    return f"{USCC_SCHEME}-{org.uscc}"


def _reference(org: Org) -> dict[str, Any]:
    return {"id": party_id(org), "name": org.name}


def _party(org: Org, roles: Iterable[str]) -> dict[str, Any]:
    return {
        "id": party_id(org),
        "name": org.name,
        "identifier": {"scheme": USCC_SCHEME, "id": org.uscc, "legalName": org.name},
        "roles": sorted(set(roles)),
    }


def _method_details(facts: PurchaseFacts) -> str:
    label = METHOD_LABELS.get(facts.method, facts.method)
    fund = FUND_LABELS.get(facts.fund_type, facts.fund_type)
    return f"{label}（{fund}）"


def _draw_proof_document(facts: PurchaseFacts, publisher: Publisher) -> dict[str, Any]:
    return {
        "id": f"draw-proof-{facts.purchase_id}",
        "documentType": "evaluationReports",
        "title": "选取过程证明（可复核的随机数承诺与抽取记录）",
        "description": "按公布的算法复核：oneset verify-draw PROOF.json",
        "url": f"{publisher.base_url}/api/v1/market/purchases/{facts.purchase_id}/draw-proof",
        "format": "application/json",
        "language": "zh",
    }


def _tender(facts: PurchaseFacts, publisher: Publisher, status: str) -> dict[str, Any]:
    # The owner buys and procures: named as ``buyer`` only, as the schema asks for that case.
    tender: dict[str, Any] = {
        "id": str(facts.purchase_id),
        "title": f"{facts.project_name}：{facts.item_name}",
        "description": facts.content,
        "status": status,
        "items": [
            {
                "id": "1",
                "description": facts.item_name,
                "classification": {
                    "scheme": "OneSet-中介服务事项",
                    "id": facts.item_code,
                    "description": facts.item_name,
                },
                "quantity": 1,
            }
        ],
        "procurementMethod": PROCUREMENT_METHODS.get(facts.method, "open"),
        "procurementMethodDetails": _method_details(facts),
        "mainProcurementCategory": "services",
        "tenderPeriod": {
            "startDate": timestamp(facts.published_at),
            "endDate": timestamp(facts.signup_deadline),
        },
        "awardPeriod": {"startDate": timestamp(facts.selection_time)},
        "documents": [_draw_proof_document(facts, publisher)],
    }
    criteria = AWARD_CRITERIA.get(facts.method, "")
    if criteria:
        tender["awardCriteria"] = criteria
    if facts.quote_type == "amount":
        if facts.price_ceiling is not None:
            tender["value"] = money(facts.price_ceiling)
        if facts.price_floor is not None:
            tender["minValue"] = money(facts.price_floor)
    return tender


def _base(facts: PurchaseFacts, publisher: Publisher, tag: str, at: dt.datetime) -> dict[str, Any]:
    the_ocid = ocid(publisher.ocid_prefix, facts.purchase_id)
    return {
        "ocid": the_ocid,
        "id": f"{the_ocid}-{tag}-{timestamp(at)}",
        "date": timestamp(at),
        "tag": [tag],
        "initiationType": "tender",
        "language": "zh",
        "buyer": _reference(facts.owner),
        "parties": [_party(facts.owner, ("buyer", "procuringEntity"))],
    }


def _release(data: dict[str, Any], at: dt.datetime) -> Release:
    return Release(ocid=data["ocid"], id=data["id"], date=at, data=data)


def _selections(facts: PurchaseFacts) -> list[Selection]:
    if facts.selections:
        return list(facts.selections)
    if facts.selected_at is not None and facts.winner is not None:
        return [Selection(facts.selected_at, facts.winner)]
    return []


def _award_id(facts: PurchaseFacts, index: int) -> str:
    return f"{facts.purchase_id}-award-{index + 1}"


def _contract_id(contract: ContractFacts) -> str:
    return f"contract-{contract.contract_id}"


def _award(
    facts: PurchaseFacts, publisher: Publisher, index: int, chosen: Selection
) -> dict[str, Any]:
    award: dict[str, Any] = {
        "id": _award_id(facts, index),
        "title": "中选结果",
        "status": "active",
        "date": timestamp(chosen.at),
        "suppliers": [_reference(chosen.winner)],
        "documents": [_draw_proof_document(facts, publisher)],
    }
    if index < len(facts.abandonments):
        award["status"] = "cancelled"
        award["statusDetails"] = f"中选机构于 {timestamp(facts.abandonments[index])} 放弃中选资格"
    if facts.quotes_open and facts.quote_type == "amount":
        amounts = [q.amount for q in facts.quotes if q.org.uscc == chosen.winner.uscc]
        if amounts and amounts[0] is not None:
            award["value"] = money(amounts[0])
    return award


def _award_data(
    facts: PurchaseFacts, publisher: Publisher, tag: str, at: dt.datetime, count: int
) -> dict[str, Any]:
    """A release naming the first ``count`` selections' awards (earlier ones cancelled)."""
    chosen = _selections(facts)[:count]
    data = _base(facts, publisher, tag, at)
    tender = _tender(facts, publisher, "complete")
    parties = {facts.owner.uscc: data["parties"][0]}
    if facts.quotes_open:
        # Sealed quotes open only with a selection that ran (market.rules.states.quotes_sealed).
        tender["numberOfTenderers"] = len(facts.quotes)
        tender["tenderers"] = [_reference(q.org) for q in facts.quotes]
        details = []
        for q in facts.quotes:
            bid: dict[str, Any] = {
                "id": str(q.signup_id),
                "date": timestamp(q.signed_at),
                "status": "valid",
                "tenderers": [_reference(q.org)],
            }
            if q.amount is not None and facts.quote_type == "amount":
                bid["value"] = money(q.amount)
            elif q.amount is not None:
                bid["description"] = f"下浮率 {q.amount / 100:.2f}%"
            details.append(bid)
            parties.setdefault(q.org.uscc, _party(q.org, ()))["roles"].append("tenderer")
        data["bids"] = {"details": details}
    awards = [_award(facts, publisher, i, s) for i, s in enumerate(chosen)]
    if awards and awards[-1]["status"] == "active":
        parties.setdefault(chosen[-1].winner.uscc, _party(chosen[-1].winner, ()))["roles"].append(
            "supplier"
        )
    for s in chosen:
        parties.setdefault(s.winner.uscc, _party(s.winner, ()))
    for party in parties.values():
        party["roles"] = sorted(set(party["roles"]))
    data["parties"] = list(parties.values())
    data["tender"] = tender
    data["awards"] = awards
    return data


def _award_releases(facts: PurchaseFacts, publisher: Publisher) -> list[Release]:
    out = []
    for i, chosen in enumerate(_selections(facts)):
        data = _award_data(facts, publisher, "award", chosen.at, i + 1)
        data["id"] = f"{data['ocid']}-award-{i + 1}"
        out.append(_release(data, chosen.at))
        if i < len(facts.abandonments):
            at = facts.abandonments[i]
            data = _award_data(facts, publisher, "awardCancellation", at, i + 1)
            data["id"] = f"{data['ocid']}-awardCancellation-{i + 1}"
            out.append(_release(data, at))
    return out


def _contract_body(facts: PurchaseFacts, contract: ContractFacts, status: str) -> dict[str, Any]:
    return {
        "id": _contract_id(contract),
        "awardID": _award_id(facts, len(_selections(facts)) - 1),
        "title": f"{facts.project_name}：{facts.item_name} 服务合同",
        "status": status,
        "period": {
            "startDate": _day_start(contract.start_on),
            "endDate": _day_end(contract.end_on),
        },
        "value": money(contract.amount_fen),
        "dateSigned": timestamp(contract.confirmed_at),
    }


def _with_supplier(facts: PurchaseFacts, data: dict[str, Any]) -> dict[str, Any]:
    """The winner as a party, with the roles the award release gave it (roles merge whole)."""
    winner = facts.winner
    if winner is not None:
        bid = facts.quotes_open and any(q.org.uscc == winner.uscc for q in facts.quotes)
        data["parties"].append(_party(winner, ("supplier", "tenderer") if bid else ("supplier",)))
    return data


def _contract_releases(facts: PurchaseFacts, publisher: Publisher) -> list[Release]:
    contract = facts.contract
    if contract is None:
        return []
    releases = []
    data = _with_supplier(facts, _base(facts, publisher, "contract", contract.confirmed_at))
    data["contracts"] = [_contract_body(facts, contract, "active")]
    releases.append(_release(data, contract.confirmed_at))
    for amendment in facts.amendments:
        data = _with_supplier(
            facts, _base(facts, publisher, "contractAmendment", amendment.approved_at)
        )
        body = _contract_body(facts, contract, "active")
        body["period"]["endDate"] = _day_end(amendment.new_due)
        body["amendments"] = [
            {
                "id": f"extension-{amendment.amendment_id}",
                "date": timestamp(amendment.approved_at),
                "rationale": amendment.reason,
                "description": (
                    f"服务期限延长 {amendment.working_days} 个工作日："
                    f"{amendment.old_due.isoformat()} → {amendment.new_due.isoformat()}"
                ),
            }
        ]
        data["contracts"] = [body]
        data["id"] = f"{data['ocid']}-contractAmendment-{amendment.amendment_id}"
        releases.append(_release(data, amendment.approved_at))
    if facts.accepted_at is not None:
        releases.append(_implementation_release(facts, publisher, contract, facts.accepted_at))
    return releases


def _implementation_release(
    facts: PurchaseFacts, publisher: Publisher, contract: ContractFacts, accepted_at: dt.datetime
) -> Release:
    at = max([accepted_at] + ([facts.rating.rated_at] if facts.rating else []))
    data = _with_supplier(facts, _base(facts, publisher, "implementation", at))
    implementation: dict[str, Any] = {
        "milestones": [
            {
                "id": "result-accepted",
                "title": "服务成果经业主确认",
                "type": "delivery",
                "status": "met",
                "dateMet": timestamp(accepted_at),
            }
        ],
    }
    # Not in the core schema (which allows additional fields): what the result did to the firm.
    if facts.rating is not None:
        implementation["rating"] = {
            "overall": facts.rating.overall_cents / 100,
            "scores": [
                {"dimension": key, "title": RATING_DIMENSIONS.get(key, key), "score": value}
                for key, value in sorted(facts.rating.scores.items())
            ],
            "date": timestamp(facts.rating.rated_at),
        }
    if facts.credit_effects:
        implementation["creditEffects"] = [
            {
                "id": str(effect.record_id),
                "kind": effect.kind,
                "title": NEGATIVE_KINDS.get(effect.kind, effect.kind),
                "points": effect.points,
                "date": _day_start(effect.occurred_on),
                "description": effect.note,
            }
            for effect in facts.credit_effects
        ]
    body = _contract_body(facts, contract, "terminated")
    if facts.amendments:  # the last approved extension holds the due date
        body["period"]["endDate"] = _day_end(facts.amendments[-1].new_due)
    body["implementation"] = implementation
    data["contracts"] = [body]
    return _release(data, at)


def _tender_status_at(facts: PurchaseFacts, at: dt.datetime) -> str:
    if facts.cancelled_at is not None and facts.cancelled_at <= at:
        return "cancelled"
    if facts.failed_at is not None and facts.failed_at <= at:
        return "unsuccessful"
    if facts.selected_at is not None and facts.selected_at <= at:
        return "complete"
    return "active"


def _amendment_releases(facts: PurchaseFacts, publisher: Publisher) -> list[Release]:
    out = []
    for fix in sorted(facts.corrections, key=lambda c: c.at):
        data = _base(facts, publisher, "tenderAmendment", fix.at)
        data["id"] = f"{data['ocid']}-tenderAmendment-{fix.key}"
        data["tender"] = _tender(facts, publisher, _tender_status_at(facts, fix.at))
        data["tender"]["amendments"] = [
            {
                "id": f"correction-{fix.key}",
                "date": timestamp(fix.at),
                "rationale": fix.rationale,
                "description": fix.description,
            }
        ]
        out.append(_release(data, fix.at))
    return out


def releases(facts: PurchaseFacts, publisher: Publisher) -> list[Release]:
    """Every release of one purchase, oldest first."""
    out: list[Release] = []
    tender = _base(facts, publisher, "tender", facts.published_at)
    tender["tender"] = _tender(facts, publisher, "active")
    out.append(_release(tender, facts.published_at))
    if facts.cancelled_at is not None:
        data = _base(facts, publisher, "tenderCancellation", facts.cancelled_at)
        data["tender"] = _tender(facts, publisher, "cancelled")
        if facts.cancel_reason:
            data["tender"]["statusDetails"] = facts.cancel_reason
        out.append(_release(data, facts.cancelled_at))
    out.extend(_amendment_releases(facts, publisher))
    out.extend(_award_releases(facts, publisher))
    if facts.failed_at is not None:
        data = _base(facts, publisher, "tenderUpdate", facts.failed_at)
        data["tender"] = _tender(facts, publisher, "unsuccessful")
        data["tender"]["statusDetails"] = "流标"
        out.append(_release(data, facts.failed_at))
    out.extend(_contract_releases(facts, publisher))
    return sorted(out, key=lambda r: (r.date, r.id))


def release_package(
    items: Sequence[Release],
    publisher: Publisher,
    *,
    published: dt.datetime,
    uri: str,
    next_url: str | None = None,
) -> dict[str, Any]:
    package: dict[str, Any] = {
        "uri": uri,
        "version": VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": timestamp(published),
        "publisher": {"name": publisher.name, "uri": publisher.base_url},
        "releases": [r.data for r in items],
    }
    if next_url is not None:
        package["links"] = {"next": next_url}
    return package


def record_package(
    items: Sequence[Release],
    compiled: Mapping[str, Any],
    publisher: Publisher,
    *,
    published: dt.datetime,
    uri: str,
) -> dict[str, Any]:
    """One record: every release of the ocid embedded (oldest first) and the compiled release."""
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": timestamp(published),
        "publisher": {"name": publisher.name, "uri": publisher.base_url},
        "records": [
            {
                "ocid": items[0].ocid,
                "releases": [r.data for r in items],
                "compiledRelease": dict(compiled),
            }
        ],
    }
