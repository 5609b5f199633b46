"""Administrative regions by their GB/T 2260 code, for people to read and choose by name (#14 item
9: pages showed "地区 330100" and the directory asked for a 地区代码). The platform serves a city
and its neighbours; a code outside this list is shown as it is."""

from __future__ import annotations

from typing import Final

REGIONS: Final[dict[str, str]] = {
    "330000": "浙江省",
    "330100": "杭州市",
    "330200": "宁波市",
    "330300": "温州市",
    "330400": "嘉兴市",
    "330500": "湖州市",
    "330600": "绍兴市",
    "330700": "金华市",
    "330800": "衢州市",
    "330900": "舟山市",
    "331000": "台州市",
    "331100": "丽水市",
    "310000": "上海市",
    "320100": "南京市",
    "320500": "苏州市",
    "340100": "合肥市",
}


def region_name(code: str | None) -> str:
    """The region's name, or the code itself when the list does not know it."""
    if not code:
        return "—"
    return REGIONS.get(code, code)
