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
# The DXF change list in words a reviewer reads (#14 item 9: it showed "CIRCLE", "insert").
ENTITY_LABELS: Final = {
    "LINE": "直线",
    "CIRCLE": "圆",
    "ARC": "圆弧",
    "ELLIPSE": "椭圆",
    "LWPOLYLINE": "多段线",
    "POLYLINE": "多段线",
    "SPLINE": "样条曲线",
    "POINT": "点",
    "TEXT": "单行文字",
    "MTEXT": "多行文字",
    "ATTRIB": "属性文字",
    "DIMENSION": "尺寸标注",
    "LEADER": "引线",
    "MLEADER": "多重引线",
    "INSERT": "块参照",
    "HATCH": "填充",
    "SOLID": "实心填充",
    "3DFACE": "三维面",
    "IMAGE": "图像",
    "VIEWPORT": "视口",
}
ATTRIBUTE_LABELS: Final = {
    "start": "起点",
    "end": "终点",
    "center": "圆心",
    "radius": "半径",
    "start_angle": "起始角",
    "end_angle": "终止角",
    "insert": "插入点",
    "text": "文字",
    "height": "字高",
    "char_height": "字高",
    "rotation": "旋转角",
    "style": "文字样式",
    "layer": "图层",
    "color": "颜色",
    "linetype": "线型",
    "lineweight": "线宽",
    "width": "宽度",
    "const_width": "全局宽度",
    "closed": "闭合",
    "points": "顶点",
    "vertices": "顶点",
    "name": "块名",
    "xscale": "X 比例",
    "yscale": "Y 比例",
    "dimstyle": "标注样式",
    "defpoint": "定义点",
    "major_axis": "长轴",
    "ratio": "长短轴比",
}
