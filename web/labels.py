"""Chinese display labels for codes the services return (presentation only, no rules)."""

from __future__ import annotations

from typing import Final

METHOD_LABELS: Final = {
    "direct_selection": "直接选取",
    "random_draw": "随机抽取（摇号）",
    "lowest_price": "竞价选取（最低价中选）",
    "reference_price": "竞价选取（最优价中选）",
    "credit_merit": "信用择优",
    "proposal_merit": "方案择优",
}
FUND_LABELS: Final = {"state": "财政性资金/国有资金", "private": "社会资金"}
QUOTE_TYPE_LABELS: Final = {"amount": "报价金额", "discount_rate": "下浮率"}
LIGHT_LABELS: Final = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "": "—"}
REVIEW_STATUS_LABELS: Final = {
    "pending": "待审核",
    "approved": "已通过",
    "rejected": "已驳回",
    "superseded": "已被替换",
}
PURPOSE_LABELS: Final = {
    "winner": "抽取中选机构",
    "tie_break": "并列抽签",
    "coefficient": "抽取参考价系数",
    "short_list": "摇号产生小名单",
}
RATING_DIMENSIONS: Final = {
    "quality": "服务质量",
    "timeliness": "服务时效",
    "attitude": "服务态度",
    "fee": "服务收费",
    "compliance": "服务规范",
}
