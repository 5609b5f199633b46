"""The words of every marketplace notice (站内消息): pure functions from the facts of a change to
a title, a body and the page it links to. ``market.services.notices`` decides who receives them
and writes them in the change's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoticeKind(StrEnum):
    SELECTED = "selected"  # to the winner
    NOT_SELECTED = "not_selected"  # to every other bidder, naming the winner
    SELECTION_DONE = "selection_done"  # to the owner: who won
    OWNER_TO_CHOOSE = "owner_to_choose"  # to the owner: its pick from the (short) list
    FAILED = "failed"  # 流标: to the bidders and the owner
    CANCELLED = "cancelled"  # to the bidders (and the owner when the operator cancelled)
    ABANDONED = "abandoned"  # to the owner: the winner declined
    CONTRACT_UPLOADED = "contract_uploaded"  # to the other party
    CONTRACT_CONFIRMED = "contract_confirmed"  # to the party that uploaded it
    RESULT_SUBMITTED = "result_submitted"  # to the owner
    RESULT_RETURNED = "result_returned"  # to the winner
    RESULT_ACCEPTED = "result_accepted"  # to the winner
    CORRECTED = "corrected"  # 更正公告: to the firms that signed up


@dataclass(frozen=True)
class NoticeText:
    kind: NoticeKind
    title: str
    body: str
    link: str


def purchase_link(purchase_id: int) -> str:
    return f"/purchases/{purchase_id}"


def _about(kind: NoticeKind, purchase_id: int, title: str, body: str) -> NoticeText:
    return NoticeText(kind, title, body, purchase_link(purchase_id))


def selected(project: str, purchase_id: int) -> NoticeText:
    return _about(
        NoticeKind.SELECTED,
        purchase_id,
        f"您已中选：{project}",
        f"贵机构在「{project}」的选取中中选，请与项目业主在规定时限内签订合同。",
    )


def not_selected(project: str, purchase_id: int, winner: str) -> NoticeText:
    return _about(
        NoticeKind.NOT_SELECTED,
        purchase_id,
        f"未中选：{project}，中选机构：{winner}",
        f"「{project}」已完成选取，贵机构未中选，中选机构为{winner}。"
        "选取过程公开可验证，详见项目页。",
    )


def selection_done(project: str, purchase_id: int, winner: str) -> NoticeText:
    return _about(
        NoticeKind.SELECTION_DONE,
        purchase_id,
        f"选取完成：{project}",
        f"「{project}」已完成选取，中选机构为{winner}。请在规定时限内与中选机构签订合同。",
    )


def owner_to_choose(project: str, purchase_id: int) -> NoticeText:
    return _about(
        NoticeKind.OWNER_TO_CHOOSE,
        purchase_id,
        f"选取完成，请选定中选机构：{project}",
        f"「{project}」的选取已产生候选名单，请在项目页选定中选机构。",
    )


def failed(project: str, purchase_id: int, reason: str, *, owner: bool) -> NoticeText:
    then = "可在项目页发起重新采购。" if owner else "贵机构的报名随之终止。"
    return _about(
        NoticeKind.FAILED,
        purchase_id,
        f"流标：{project}",
        f"「{project}」未能选出中选机构（{reason}）。{then}",
    )


def cancelled(project: str, purchase_id: int, reason: str) -> NoticeText:
    return _about(
        NoticeKind.CANCELLED,
        purchase_id,
        f"采购已撤销：{project}",
        f"「{project}」的采购已撤销，原因：{reason}。报名随之终止。",
    )


def abandoned(project: str, purchase_id: int, winner: str, reason: str) -> NoticeText:
    return _about(
        NoticeKind.ABANDONED,
        purchase_id,
        f"中选机构放弃中选：{project}",
        f"{winner}已放弃「{project}」的中选资格，原因：{reason}。"
        "可在项目页从其余机构中重新选取，或重新采购。",
    )


def contract_uploaded(project: str, purchase_id: int, *, by_owner: bool) -> NoticeText:
    who = "项目业主" if by_owner else "中选机构"
    return _about(
        NoticeKind.CONTRACT_UPLOADED,
        purchase_id,
        f"合同待确认：{project}",
        f"{who}已上传「{project}」的合同，请核对后在项目页确认。",
    )


def contract_confirmed(project: str, purchase_id: int) -> NoticeText:
    return _about(
        NoticeKind.CONTRACT_CONFIRMED,
        purchase_id,
        f"合同已确认：{project}",
        f"「{project}」的合同已经双方确认，服务开始并按合同时限计时。",
    )


def result_submitted(project: str, purchase_id: int) -> NoticeText:
    return _about(
        NoticeKind.RESULT_SUBMITTED,
        purchase_id,
        f"服务成果待确认：{project}",
        f"中选机构已提交「{project}」的服务成果，请在项目页确认或退回。",
    )


def result_returned(project: str, purchase_id: int, reason: str) -> NoticeText:
    return _about(
        NoticeKind.RESULT_RETURNED,
        purchase_id,
        f"服务成果被退回：{project}",
        f"项目业主退回了「{project}」的服务成果，原因：{reason}。请修改后重新提交。",
    )


def result_accepted(project: str, purchase_id: int) -> NoticeText:
    return _about(
        NoticeKind.RESULT_ACCEPTED,
        purchase_id,
        f"服务成果已确认：{project}",
        f"项目业主已确认贵机构提交的「{project}」服务成果。",
    )


def corrected(project: str, purchase_id: int, reason: str, changed: list[str]) -> NoticeText:
    """``changed``: the labels of the corrected terms (报名截止时间, 服务内容 …)."""
    return _about(
        NoticeKind.CORRECTED,
        purchase_id,
        f"更正公告：{project}",
        f"「{project}」的采购公告已更正（{'、'.join(changed)}），更正说明：{reason}。"
        "请在项目页核对更正后的内容；贵机构的报名继续有效。",
    )
