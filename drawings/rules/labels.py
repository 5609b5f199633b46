"""Every Chinese label of the drawing set, in one place (API messages, search and pages)."""

from __future__ import annotations

from typing import Final

STAGE_LABELS: Final = {
    "survey": "勘察",
    "design": "设计",
    "construction": "施工",
    "completion": "竣工",
}
STATE_LABELS: Final = {
    "wip": "编制中",
    "shared": "已共享",
    "published": "审查合格（锁定）",
    "archived": "已归档",
}
STATUS_LABELS: Final = {"processing": "解析中", "ready": "已解析", "failed": "解析失败"}
ROLE_LABELS: Final = {
    "read": "查阅（部门）",
    "review": "审查（审查机构）",
    "contribute": "上传（设计/勘察单位）",
}
SEVERITY_LABELS: Final = {"info": "提示", "minor": "一般", "major": "严重"}
COMMENT_STATUS_LABELS: Final = {"open": "待回复", "answered": "已回复", "closed": "已关闭"}
DIFF_CHANGE_LABELS: Final = {"added": "新增", "removed": "删除", "modified": "修改"}
PDF_PAGE_STATUS_LABELS: Final = {
    "added": "新增页",
    "removed": "删除页",
    "changed": "有变化",
    "same": "无变化",
}
