"""The regions a firm may choose when it registers or completes its onboarding: the platform's
service area (a city and its neighbours), by GB/T 2260 code. Names come from ``kernel.regions``
(the Ministry of Civil Affairs' list); a firm may also leave the region empty."""

from __future__ import annotations

from typing import Final

from kernel import regions

SERVICE_AREA: Final = (
    "330000",  # 浙江省
    "330100", "330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112",
    "330113", "330114", "330122", "330127", "330182",  # 杭州市 and its districts and counties
    "330200", "330300", "330400", "330500", "330600", "330700", "330800", "330900", "331000",
    "331100",  # the province's other cities
    "310000", "320100", "320500", "340100",  # 上海, 南京, 苏州, 合肥
)  # fmt: skip

REGIONS: Final[dict[str, str]] = {code: regions.label(code) for code in SERVICE_AREA}
