"""Every Chinese label of the joint survey, in one place (API messages, certificates, pages)."""

from __future__ import annotations

from typing import Final

STAGE_LABELS: Final = {
    "land_use": "立项用地规划许可",
    "engineering": "工程建设许可",
    "construction": "施工许可",
    "completion": "竣工验收",
}
ITEM_LABELS: Final = {
    "planning_verification": "规划核实测量",
    "land_verification": "土地核验测量",
    "property_survey": "房产测量",
    "civil_air_defence": "人防测量",
    "green_ratio": "绿地核实测量",
}
DEPARTMENT_LABELS: Final = {
    "planning": "规划",
    "land": "土地",
    "property": "不动产登记",
    "civil_air_defence": "人防",
    "green": "园林绿化",
}
COMMISSION_STATUS_LABELS: Final = {
    "commissioned": "已委托",
    "submitted": "成果已提交",
    "completed": "已办结",
    "cancelled": "已撤销",
}
CHECK_STATUS_LABELS: Final = {
    "waiting": "待成果/许可值",
    "open": "待部门确认",
    "confirmed": "已办结",
}
OUTCOME_LABELS: Final = {"pass": "通过", "pass_with_fee": "补缴费用后通过", "fail": "不通过"}
DIRECTION_LABELS: Final = {"max": "不大于许可值", "min": "不小于许可值", "target": "与许可值一致"}
DECISION_LABELS: Final = {"confirm": "确认", "override": "改判"}
INDICATOR_LABELS: Final = {
    "siteArea": "用地面积",
    "footprintArea": "基底面积",
    "grossFloorArea": "总建筑面积",
    "aboveGroundFloorArea": "地上建筑面积",
    "belowGroundFloorArea": "地下建筑面积",
    "farFloorArea": "计容建筑面积",
    "far": "容积率",
    "coverage": "建筑密度",
    "greenArea": "绿地面积",
    "greenRatio": "绿地率",
    "height": "建筑高度",
    "storeys": "层数",
    "parking": "停车泊位",
    "civilAirDefenceArea": "人防建筑面积",
    "boundaryOffset": "界址点最大偏差",
}
SECTION_LABELS: Final = {
    "planning": "规划核实",
    "land": "土地核验",
    "property": "房产面积",
    "civil_air_defence": "人防面积",
    "qc": "质检报告与注册测绘师",
    "documents": "测绘图形与报告文件",
}
CERTIFICATE_TITLES: Final = {
    "planning_verification": "规划核实确认书",
    "land_verification": "用地复核意见书",
}
