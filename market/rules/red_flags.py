"""Red flags before the award: pure rules over the facts of published purchases.

Each rule follows an indicator of the Open Contracting Partnership's Cardinal
(https://cardinal.readthedocs.io/en/latest/cli/indicators/) where Cardinal has one, and names it
(``RuleInfo.cardinal``); its published definition is quoted in ``RuleInfo.source`` and rendered in
Chinese in ``RuleInfo.definition``. Where Cardinal has no indicator for a pattern the issue asks
for (quotes at the ceiling, rotation, concentration of one owner's awards), the rule says so.

The facts come from ``market.services.red_flags`` (no database, clock or settings here). Quotes
are only in the facts once the selection opened them (sealed quotes stay sealed, supervisors
included), so the quote rules speak between the selection and the contract; the rules about who
bids (cover bidding, rotation, shared contacts, concentration, a single bidder) speak as soon as
the sign-ups close. A flag never blocks anything: it asks a supervisor to look.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping, Sequence

CARDINAL_DOCS: Final = "https://cardinal.readthedocs.io/en/latest/cli/indicators/R/"


@dataclass(frozen=True)
class RuleInfo:
    key: str
    cardinal: str | None  # the Cardinal indicator code this rule follows, None when it has none
    title: str  # Chinese
    definition: str  # the published definition, in Chinese, with OneSet's reading of it
    source: str  # where the definition is published (and, quoted, what it says)


IDENTICAL_QUOTES: Final = "identical_quotes"
CEILING_QUOTES: Final = "ceiling_quotes"
COVER_BIDDING: Final = "cover_bidding"
ROTATION: Final = "rotation"
SHARED_CONTACTS: Final = "shared_contacts"
SINGLE_BID_AFTER_EXTENSION: Final = "single_bid_after_extension"
OWNER_CONCENTRATION: Final = "owner_concentration"

RULES: Final[dict[str, RuleInfo]] = {
    IDENTICAL_QUOTES: RuleInfo(
        key=IDENTICAL_QUOTES,
        cardinal="R028",
        title="报价相同或几乎相同",
        definition=(
            "Cardinal R028「相同报价」：不同投标人提交了价格相同的报价，则该采购项目及这些投标人"
            "被标记。本平台同时标记差距不超过设定比例的「几乎相同」报价（Cardinal R024「报价"
            "接近中标价」所针对的同一种串通方式：陪标者以接近的价格模拟竞争）。"
        ),
        source=(
            f"{CARDINAL_DOCS}028.html — Identical bid prices (R028): 'A contracting process is "
            "flagged if different tenderers submitted bids with the same price.'; "
            f"{CARDINAL_DOCS}024.html — Price close to winning bid (R024)"
        ),
    ),
    CEILING_QUOTES: RuleInfo(
        key=CEILING_QUOTES,
        cardinal=None,
        title="报价恰为最高限价",
        definition=(
            "Cardinal 无对应指标。报价恰好等于采购公告的最高限价：在价格竞争中这是注定落选的"
            "报价，是 Cardinal R025「过多未中标报价」所描述的「故意提交落选报价（如抬高报价）"
            "以模拟竞争」的典型形态。"
        ),
        source=(
            f"{CARDINAL_DOCS}025.html — Excessive unsuccessful bids (R025), 'Why is this a red "
            "flag?': 'A colluding bidder can mimic competition by submitting deliberately losing "
            "bids (at inflated bid prices, for example)'"
        ),
    ),
    COVER_BIDDING: RuleInfo(
        key=COVER_BIDDING,
        cardinal="R025",
        title="陪标：总是输给同一中选机构",
        definition=(
            "Cardinal R025「过多未中标报价」：投标人的中标数与有效投标数之比为低离群值时被标记，"
            "因为串通的投标人会在其同伙参与的项目中故意提交落选报价。本平台按投标人对逐对计算："
            "某机构与同一中选机构同场报名达到设定次数，每一次都由该机构中选，且它自己的中选率"
            "（全部已选出的报名中）不超过设定值（默认从未中选）。"
        ),
        source=(
            f"{CARDINAL_DOCS}025.html — Excessive unsuccessful bids (R025): 'The ratio of "
            "winning bids to submitted bids for a top tenderer is a low outlier.'"
        ),
    ),
    ROTATION: RuleInfo(
        key=ROTATION,
        cardinal=None,
        title="同一业主项目由少数机构轮流中选",
        definition=(
            "Cardinal 无对应指标。同一业主的多个采购项目，报名机构始终是同一小组（不超过设定"
            "家数），且中选者在组内轮换：围标轮流坐庄的形态。"
        ),
        source=(
            "OECD, Guidelines for Fighting Bid Rigging in Public Procurement (2009/2025), "
            "'Bid rotation'; Cardinal has no indicator for it"
        ),
    ),
    SHARED_CONTACTS: RuleInfo(
        key=SHARED_CONTACTS,
        cardinal="R044",
        title="报名机构的入驻材料有相同的联系方式或地址",
        definition=(
            "Cardinal R044「供应商之间的业务相似」：参加同一采购项目的不同投标人具有完全相同的"
            "地址或任一联系方式，则该项目及这些投标人被标记。本平台比对入驻材料中的电话、邮箱、"
            "地址以及完全相同的入驻文件。"
        ),
        source=(
            f"{CARDINAL_DOCS}044.html — Business similarities between suppliers (R044): 'A "
            "contracting process is flagged if different tenderers have either the exact same "
            "address or any contact point fields.'"
        ),
    ),
    SINGLE_BID_AFTER_EXTENSION: RuleInfo(
        key=SINGLE_BID_AFTER_EXTENSION,
        cardinal="R018",
        title="重新采购（延长报名）后仍只有一家报名",
        definition=(
            "Cardinal R018「仅收到一份投标」：竞争性采购（公开或邀请）的投标人数为 1 时被标记。"
            "本平台在采购项目流标后重新采购、报名期因此重新开放的情况下适用。"
        ),
        source=(
            f"{CARDINAL_DOCS}018.html — Single bid received (R018): 'A contracting process is "
            "flagged if the number of tenderers is 1 and the procurement method is competitive'"
        ),
    ),
    OWNER_CONCENTRATION: RuleInfo(
        key=OWNER_CONCENTRATION,
        cardinal=None,
        title="同一业主的项目由同一机构中选，远超随机概率",
        definition=(
            "Cardinal 无对应指标。按每个项目的报名家数计算某机构在该业主项目中「随机应得」的中选"
            "次数；实际中选次数达到设定下限，且在随机选取下至少这么多次的概率低于设定显著性水平。"
        ),
        source="Poisson-binomial tail of the wins under a uniform draw; Cardinal has no indicator",
    ),
}


@dataclass(frozen=True)
class Thresholds:
    """The rules' parameters (``ONESET_RED_FLAG_*`` settings)."""

    near_quote_ratio: float = 0.0001  # |a − b| / max(a, b) at or under this: near-identical
    ceiling_min_quotes: int = 1  # quotes exactly at the ceiling that flag a purchase
    cover_min_tenders: int = 3  # joint sign-ups with the same winner, all lost
    cover_max_win_ratio: float = 0.0  # the loser's wins / decided sign-ups, everywhere (R025)
    rotation_max_group: int = 5  # firms in a rotating group at most
    rotation_min_tenders: int = 3  # purchases of one owner with the same group
    concentration_min_wins: int = 3
    concentration_alpha: float = 0.001  # chance of so many wins under a uniform draw


@dataclass(frozen=True)
class Firm:
    uscc: str
    name: str


@dataclass(frozen=True)
class Bid:
    firm: Firm
    amount: int | None  # None while sealed (or for a method without quotes)


@dataclass(frozen=True)
class Tender:
    """One published purchase whose sign-ups have closed, as the rules see it."""

    purchase_id: int
    owner: Firm
    competitive: bool  # procurementMethod open (not a direct selection)
    quote_type: str  # amount | discount_rate
    ceiling: int | None
    published_at: dt.datetime
    bids: Sequence[Bid] = ()
    winner: str | None = None  # the uscc of the current (or last) winner
    reprocured_from: int | None = None  # the tender period opened again after a failure

    @property
    def bidders(self) -> frozenset[str]:
        return frozenset(b.firm.uscc for b in self.bids)


@dataclass(frozen=True)
class Profile:
    """What a firm's onboarding materials say about how to reach it."""

    firm: Firm
    contacts: frozenset[str] = frozenset()  # normalised: tel:…, mail:…, addr:…
    documents: frozenset[str] = frozenset()  # SHA-256 of its onboarding files


@dataclass(frozen=True)
class Flag:
    rule: str
    purchase_id: int
    summary: str  # Chinese, one line
    purchases: tuple[int, ...] = ()  # the purchases the evidence is drawn from
    firms: tuple[Firm, ...] = ()
    values: tuple[tuple[str, str], ...] = field(default=())  # (Chinese label, value)

    @property
    def info(self) -> RuleInfo:
        return RULES[self.rule]


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ADDRESS = re.compile(r"(?:地址|住所|办公地点)[：:]\s*([^，。；;,\n]+)")


def contacts_in(text: str) -> frozenset[str]:
    """Telephone numbers, e-mail addresses and addresses named in free text, normalised."""
    found = {"tel:" + m.replace("-", "") for m in _PHONE.findall(text)}
    found |= {"mail:" + m.lower() for m in _MAIL.findall(text)}
    found |= {"addr:" + re.sub(r"\s+", "", m) for m in _ADDRESS.findall(text)}
    return frozenset(found)


def _fen(amount: int) -> str:
    return f"{amount / 100:,.2f} 元"


def _quote_text(tender: Tender, amount: int) -> str:
    return _fen(amount) if tender.quote_type == "amount" else f"下浮率 {amount / 100:.2f}%"


def identical_quotes(tender: Tender, t: Thresholds) -> list[Flag]:
    quoted = [b for b in tender.bids if b.amount is not None]
    pairs = []
    for a, b in combinations(quoted, 2):
        x, y = a.amount or 0, b.amount or 0
        if a.firm.uscc == b.firm.uscc:
            continue
        top = max(abs(x), abs(y))
        if top and abs(x - y) / top <= t.near_quote_ratio:
            pairs.append((a, b))
    if not pairs:
        return []
    firms = {f.uscc: f for a, b in pairs for f in (a.firm, b.firm)}
    exact = any(a.amount == b.amount for a, b in pairs)
    return [
        Flag(
            rule=IDENTICAL_QUOTES,
            purchase_id=tender.purchase_id,
            summary=f"{len(firms)} 家机构报价{'相同' if exact else '几乎相同'}",
            purchases=(tender.purchase_id,),
            firms=tuple(firms.values()),
            values=(
                *(
                    (
                        f"{a.firm.name} / {b.firm.name}",
                        f"{_quote_text(tender, a.amount or 0)} / "
                        f"{_quote_text(tender, b.amount or 0)}",
                    )
                    for a, b in pairs
                ),
                ("容差", f"{t.near_quote_ratio:.4%}"),
            ),
        )
    ]


def ceiling_quotes(tender: Tender, t: Thresholds) -> list[Flag]:
    if tender.quote_type != "amount" or tender.ceiling is None:
        return []
    at = [b for b in tender.bids if b.amount is not None and b.amount == tender.ceiling]
    if len(at) < max(1, t.ceiling_min_quotes):
        return []
    return [
        Flag(
            rule=CEILING_QUOTES,
            purchase_id=tender.purchase_id,
            summary=f"{len(at)} 家机构报价恰为最高限价 {_fen(tender.ceiling)}",
            purchases=(tender.purchase_id,),
            firms=tuple(b.firm for b in at),
            values=(
                ("最高限价", _fen(tender.ceiling)),
                *((b.firm.name, _fen(tender.ceiling)) for b in at),
            ),
        )
    ]


def cover_bidding(tenders: Sequence[Tender], t: Thresholds) -> list[Flag]:
    """Pairs (loser, winner): every selected purchase both signed up for went to the winner."""
    joint: dict[tuple[str, str], list[int]] = defaultdict(list)
    broken: set[tuple[str, str]] = set()
    names: dict[str, Firm] = {}
    for tender in tenders:
        names.update((bid.firm.uscc, bid.firm) for bid in tender.bids)
        if tender.winner is None or tender.winner not in tender.bidders:
            continue
        losers = sorted(tender.bidders - {tender.winner})
        for loser in losers:
            joint[(loser, tender.winner)].append(tender.purchase_id)
            broken.add((tender.winner, loser))  # that winner lost to this loser here
        for one, two in combinations(losers, 2):  # both lost to a third firm: not "always"
            broken.update({(one, two), (two, one)})
    wins: dict[str, int] = defaultdict(int)
    bids: dict[str, int] = defaultdict(int)
    for tender in tenders:
        if tender.winner is not None and tender.winner in tender.bidders:
            wins[tender.winner] += 1
            for uscc in tender.bidders:
                bids[uscc] += 1
    flags: list[Flag] = []
    for (loser, winner), won in sorted(joint.items()):
        if (loser, winner) in broken or len(won) < t.cover_min_tenders:
            continue
        if wins[loser] / bids[loser] > t.cover_max_win_ratio:
            continue  # it wins elsewhere: an ordinary competitor (R025: a low winning ratio)
        pair = (names[loser], names[winner])
        # Every purchase both signed up for: the won ones and any still before its award.
        shared = sorted(
            x.purchase_id
            for x in tenders
            if {loser, winner} <= x.bidders and (x.winner is None or x.purchase_id in won)
        )
        flags.extend(
            Flag(
                rule=COVER_BIDDING,
                purchase_id=pid,
                summary=f"{pair[0].name} 与 {pair[1].name} 同场 {len(won)} 次，均由后者中选",
                purchases=tuple(won),
                firms=pair,
                values=(
                    ("同场报名并已选出", f"{len(won)} 次"),
                    ("其中陪标者中选", "0 次"),
                ),
            )
            for pid in shared
        )
    return flags


def rotation(tenders: Sequence[Tender], t: Thresholds) -> list[Flag]:
    """One owner's purchases, always the same small group signing up, winners taking turns."""
    groups: dict[tuple[str, frozenset[str]], list[Tender]] = defaultdict(list)
    for tender in tenders:
        if 2 <= len(tender.bidders) <= t.rotation_max_group:
            groups[(tender.owner.uscc, tender.bidders)].append(tender)
    flags: list[Flag] = []
    for (_, members), found in sorted(groups.items(), key=lambda kv: kv[1][0].purchase_id):
        decided = sorted(
            (x for x in found if x.winner in members), key=lambda x: (x.published_at, x.purchase_id)
        )
        winners = [x.winner for x in decided]
        if len(decided) < t.rotation_min_tenders or len(set(winners)) < 2:
            continue
        firms = {b.firm.uscc: b.firm for b in found[0].bids}
        order = " → ".join(firms[w].name for w in winners if w is not None)
        flags.extend(
            Flag(
                rule=ROTATION,
                purchase_id=tender.purchase_id,
                summary=(
                    f"业主 {tender.owner.name} 的 {len(found)} 个项目均由同样 "
                    f"{len(members)} 家机构报名，{len(set(winners))} 家轮流中选"
                ),
                purchases=tuple(x.purchase_id for x in found),
                firms=tuple(firms[u] for u in sorted(members)),
                values=(("中选顺序", order),),
            )
            for tender in found
        )
    return flags


def shared_contacts(tender: Tender, profiles: Mapping[str, Profile], t: Thresholds) -> list[Flag]:
    del t  # not configurable (as in Cardinal)
    found: list[tuple[Firm, Firm, str]] = []
    for a, b in combinations(sorted(tender.bidders), 2):
        pa, pb = profiles.get(a), profiles.get(b)
        if pa is None or pb is None:
            continue
        for item in sorted(pa.contacts & pb.contacts):
            kind, _, value = item.partition(":")
            label = {"tel": "电话", "mail": "邮箱", "addr": "地址"}.get(kind, kind)
            found.append((pa.firm, pb.firm, f"{label} {value}"))
        found.extend(
            (pa.firm, pb.firm, f"相同入驻文件 SHA-256 {digest[:16]}…")
            for digest in sorted(pa.documents & pb.documents)
        )
    if not found:
        return []
    firms = {f.uscc: f for a, b, _ in found for f in (a, b)}
    return [
        Flag(
            rule=SHARED_CONTACTS,
            purchase_id=tender.purchase_id,
            summary=f"{len(firms)} 家报名机构的入驻材料有相同的联系方式或地址",
            purchases=(tender.purchase_id,),
            firms=tuple(firms.values()),
            values=tuple((f"{a.name} / {b.name}", what) for a, b, what in found),
        )
    ]


def single_bid_after_extension(tender: Tender, t: Thresholds) -> list[Flag]:
    del t
    if not tender.competitive or tender.reprocured_from is None or len(tender.bidders) != 1:
        return []
    only = tender.bids[0].firm
    return [
        Flag(
            rule=SINGLE_BID_AFTER_EXTENSION,
            purchase_id=tender.purchase_id,
            summary=f"流标后重新采购，仍只有 {only.name} 一家报名",
            purchases=(tender.reprocured_from, tender.purchase_id),
            firms=(only,),
            values=(("原采购项目", str(tender.reprocured_from)), ("报名家数", "1")),
        )
    ]


def tail_probability(chances: Sequence[float], at_least: int) -> float:
    """P(X ≥ at_least) for X the number of successes of independent trials (Poisson binomial)."""
    dist = [1.0]
    for p in chances:
        nxt = [0.0] * (len(dist) + 1)
        for k, q in enumerate(dist):
            nxt[k] += q * (1 - p)
            nxt[k + 1] += q * p
        dist = nxt
    return min(1.0, max(0.0, sum(dist[at_least:])))


def owner_concentration(tenders: Sequence[Tender], t: Thresholds) -> list[Flag]:
    by_owner: dict[str, list[Tender]] = defaultdict(list)
    for tender in tenders:
        by_owner[tender.owner.uscc].append(tender)
    flags: list[Flag] = []
    for owned in by_owner.values():
        decided = [x for x in owned if x.winner is not None and x.winner in x.bidders]
        wins: dict[str, list[int]] = defaultdict(list)
        for x in decided:
            wins[x.winner or ""].append(x.purchase_id)
        for firm_id, won in sorted(wins.items()):
            if len(won) < t.concentration_min_wins:
                continue
            chances = [1 / len(x.bidders) for x in decided if firm_id in x.bidders]
            p = tail_probability(chances, len(won))
            if p > t.concentration_alpha:
                continue
            firm = next(b.firm for x in decided for b in x.bids if b.firm.uscc == firm_id)
            owner = owned[0].owner
            pending = [x.purchase_id for x in owned if x.winner is None and firm_id in x.bidders]
            flags.extend(
                Flag(
                    rule=OWNER_CONCENTRATION,
                    purchase_id=pid,
                    summary=(
                        f"{firm.name} 在业主 {owner.name} 的 {len(chances)} 个同场项目中"
                        f"中选 {len(won)} 次（随机期望 {sum(chances):.1f} 次）"
                    ),
                    purchases=tuple(sorted(won)),
                    firms=(firm,),
                    values=(
                        ("报名并已选出", f"{len(chances)} 个项目"),
                        ("实际中选", f"{len(won)} 次"),
                        ("随机期望", f"{sum(chances):.2f} 次"),
                        ("随机下至少如此的概率", f"{p:.2e}"),
                    ),
                )
                for pid in sorted(won + pending)
            )
    return flags


def evaluate(
    tenders: Sequence[Tender], profiles: Iterable[Profile], t: Thresholds
) -> dict[int, list[Flag]]:
    """Every flag of every purchase (purchase id → its flags, in rule order)."""
    by_firm = {p.firm.uscc: p for p in profiles}
    found: list[Flag] = []
    for tender in tenders:
        found += identical_quotes(tender, t)
        found += ceiling_quotes(tender, t)
        found += shared_contacts(tender, by_firm, t)
        found += single_bid_after_extension(tender, t)
    found += cover_bidding(tenders, t)
    found += rotation(tenders, t)
    found += owner_concentration(tenders, t)
    order = {key: i for i, key in enumerate(RULES)}
    out: dict[int, list[Flag]] = defaultdict(list)
    for flag in found:
        out[flag.purchase_id].append(flag)
    return {pid: sorted(flags, key=lambda f: order[f.rule]) for pid, flags in sorted(out.items())}
