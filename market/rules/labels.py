"""Every Chinese label of a marketplace code: the one place the board, the API and the pages read.

Method names follow the sources' own terms (HZ-rules 随机选取 / 竞价选取 / 直接选取, GD-select
信用择优选取 / 方案择优选取; domain.md §4).
"""

from __future__ import annotations

from typing import Final

METHOD_LABELS: Final[dict[str, str]] = {
    "direct_selection": "直接选取",
    "random_draw": "随机选取",
    "lowest_price": "竞价选取（最低价中选）",
    "reference_price": "竞价选取（最优价中选）",
    "credit_merit": "信用择优选取",
    "proposal_merit": "方案择优选取",
}

STATUS_LABELS: Final[dict[str, str]] = {
    "draft": "草稿",
    "signup_open": "报名中",
    "signup_closed": "报名截止",
    "selecting": "选取中",
    "selected": "已选取",
    "failed": "流标",
    "abandoned": "中选放弃",
    "contracted": "已签约",
    "in_service": "服务中",
    "result_submitted": "成果已提交",
    "accepted": "成果已确认",
    "rated": "已评价",
    "cancelled": "已撤销",
}

FUND_LABELS: Final[dict[str, str]] = {"state": "财政性资金/国有资金", "private": "社会资金"}
QUOTE_TYPE_LABELS: Final[dict[str, str]] = {"amount": "报价金额", "discount_rate": "下浮率"}
LIGHT_LABELS: Final[dict[str, str]] = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "": "—"}

# Onboarding applications and qualification declarations.
REVIEW_STATUS_LABELS: Final[dict[str, str]] = {
    "pending": "待审核",
    "approved": "已通过",
    "rejected": "已驳回",
    "superseded": "已被替换",
}

# Purposes of one draw in the published proof.
PURPOSE_LABELS: Final[dict[str, str]] = {
    "winner": "抽取中选机构",
    "tie_break": "并列抽签",
    "coefficient": "抽取参考价系数",
    "short_list": "摇号产生小名单",
}

RATING_DIMENSIONS: Final[dict[str, str]] = {
    "quality": "服务质量",
    "timeliness": "服务时效",
    "attitude": "服务态度",
    "fee": "服务收费",
    "compliance": "服务规范",
}

EVIDENCE_KINDS: Final[dict[str, str]] = {
    "business_licence": "营业执照",
    "legal_rep_id": "法定代表人身份证明",
    "commitment": "法定代表人签章的承诺书",
    "certificate": "资质证书",
    "agent_id": "业务授权人身份证明",
    "social_insurance": "近 3 个月社保缴纳证明",
    "contract": "合同",
    "result": "服务成果",
    "proposal": "服务方案",
    "other": "其他材料",
}

NEGATIVE_KINDS: Final[dict[str, str]] = {
    "abandon_selection": "无正当理由放弃中选资格",
    "abandon_selection_escalated": "一年内第三次（及以上）放弃中选资格",
    "late_contract": "未按时与项目业主签订合同",
    "extra_fee": "擅自提高收费标准或额外收费",
    "not_per_contract": "未按采购公告或合同约定提供服务",
    "result_returned_by_regulator": "服务成果质量不合格被主管部门退回",
    "overdue_completion": "超过合同约定服务时限 10 个工作日以上",
    "expired_qualification": "资质过期或变更未及时备案",
    "complaint_upheld": "投诉经核实成立",
}
