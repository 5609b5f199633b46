"""The public directory of intermediaries (search) and each one's public profile.

Ranking rule (published on the directory page): results are ordered only by the sort the reader
picks — credit score (default), average rating, or completed commissions — each descending, ties
by name; full-text relevance only applies when a query text is given. There is no paid, manual or
hidden boosting: every field used for ordering is shown on the intermediary's public profile.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import anyio.to_thread
import msgspec

from kernel import clock
from market.rules import deadlines
from market.rules.labels import RATING_DIMENSIONS
from market.schemas import (
    BlacklistCard,
    DirectoryPage,
    GuideCard,
    IntermediaryCard,
    ProfileOut,
    QualificationCard,
)
from market.search_docs import INTERMEDIARIES_INDEX, directory_query
from market.services.credit_records import credit_breakdown
from market.services.onboarding import application_of
from market.tables import BlacklistEntry, Qualification, Rating, ServiceGuide

if TYPE_CHECKING:
    from kernel.platform import Platform

RANKING_RULE = (
    "排序仅依据访问者选择的字段：信用分（默认）、评价平均分或已完成委托数，均从高到低，"
    "相同时按名称排序；输入关键词时按文本相关度匹配。平台不提供任何付费、人工或隐藏的排序加权，"
    "排序所用数据均在机构公开信息中展示。"
)


async def search_directory(
    platform: Platform,
    *,
    q: str = "",
    item: str | None = None,
    region: str | None = None,
    grade: str | None = None,
    credit_grade: str | None = None,
    sort: str = "credit",
    offset: int = 0,
    limit: int = 20,
) -> DirectoryPage:
    """Admitted intermediaries matching the filters, in the reader's chosen order."""
    query = directory_query(
        q=q,
        item=item,
        region=region,
        grade=grade,
        credit_grade=credit_grade,
        sort=sort,
        offset=offset,
        limit=limit,
    )
    result = await anyio.to_thread.run_sync(platform.search.search, INTERMEDIARIES_INDEX, query)
    return DirectoryPage(
        items=msgspec.convert(result.hits, list[IntermediaryCard]),
        total=result.total,
        facets=result.facets,
        ranking_rule=RANKING_RULE,
    )


async def public_profile(platform: Platform | None, org_id: int) -> ProfileOut:
    """What everyone sees: five rating averages, completed commissions, credit and its formula,
    confirmed qualifications, service guides and any blacklist entry in force."""
    inter = await application_of(org_id)
    dims = list(RATING_DIMENSIONS)
    ratings = await Rating.select(*[getattr(Rating, d) for d in dims]).where(
        Rating.intermediary == org_id
    )
    averages = {
        d: (
            str((Decimal(sum(r[d] for r in ratings)) / len(ratings)).quantize(Decimal("0.01")))
            if ratings
            else None
        )
        for d in dims
    }
    today = deadlines.local_date(clock.now())
    qualifications = [
        QualificationCard(
            type=q["type"],
            grade=q["grade"],
            certificate_no=q["certificate_no"],
            valid_until=q["valid_until"],
        )
        for q in await Qualification.select().where(
            Qualification.intermediary == inter.id, Qualification.status == "approved"
        )
    ]
    guides = [
        GuideCard(
            item_code=g["item_code"],
            item_name=g["item_name"],
            scope=g["scope"],
            standard=g["standard"],
            process=g["process"],
            fee=g["fee"],
            promised_working_days=g["promised_working_days"],
        )
        for g in await ServiceGuide.select(
            *ServiceGuide.all_columns(),
            ServiceGuide.item.code.as_alias("item_code"),
            ServiceGuide.item.name.as_alias("item_name"),
        ).where(ServiceGuide.intermediary == inter.id)
    ]
    blacklist = [
        BlacklistCard(
            reason=r["reason"],
            authority=r["authority"],
            legal_basis=r["legal_basis"],
            starts_on=r["starts_on"],
            ends_on=r["ends_on"],
        )
        for r in await BlacklistEntry.select().where(
            BlacklistEntry.intermediary == org_id,
            BlacklistEntry.revoked.eq(False),
            BlacklistEntry.ends_on >= today,
        )
    ]
    return ProfileOut(
        org_id=org_id,
        name=inter.name,
        uscc=inter.uscc,
        region=inter.region,
        status=inter.status,
        completed_count=inter.completed_count,
        rating_count=len(ratings),
        rating_averages=averages,
        credit=await credit_breakdown(platform, org_id),
        qualifications=qualifications,
        guides=guides,
        blacklist=blacklist,
    )
