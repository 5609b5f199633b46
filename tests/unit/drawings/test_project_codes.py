from __future__ import annotations

import pytest

from drawings.rules.project_codes import normalize_project_code
from kernel.errors import Invalid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019-440305-70-03-012345", "2019-440305-70-03-012345"),
        ("  2023-620100-48-01-000001 ", "2023-620100-48-01-000001"),
        ("２０２０－３７００００－４４－０２－０００００１", "2020-370000-44-02-000001"),
    ],
)
def test_valid_codes(raw: str, expected: str) -> None:
    assert normalize_project_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "2019440305700301234",
        "2019-440305-70-04-012345",  # type must be 01 审批 / 02 核准 / 03 备案
        "2013-440305-70-03-012345",  # before the platform existed
        "2019-040305-70-03-012345",  # region codes never start with 0
        "2019-440305-70-03-01234",
        "2019-440305-70-03-0123456",
        "2019-44O305-70-03-012345",
    ],
)
def test_invalid_codes_name_the_field(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalize_project_code(raw)
    assert caught.value.field == "projectCode"
    assert "项目代码" in caught.value.detail
