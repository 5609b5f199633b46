"""A page out of range is refused naming the parameter that is out of range."""

from __future__ import annotations

import pytest

from search.errors import InvalidQuery
from search.ports import MAX_LIMIT, MAX_OFFSET, IndexSpec, SearchQuery, validate_query

SPEC = IndexSpec(name="things", searchable=("name",))


@pytest.mark.parametrize(
    ("offset", "limit", "field"),
    [
        (-1, 20, "offset"),
        (MAX_OFFSET + 1, 20, "offset"),
        (0, 0, "limit"),
        (0, MAX_LIMIT + 1, "limit"),
    ],
)
def test_out_of_range_page_names_its_field(offset: int, limit: int, field: str) -> None:
    with pytest.raises(InvalidQuery) as refused:
        validate_query(SPEC, SearchQuery(offset=offset, limit=limit))
    assert (refused.value.field, refused.value.code) == (field, "bad_page")


def test_page_in_range_passes() -> None:
    validate_query(SPEC, SearchQuery(offset=MAX_OFFSET, limit=MAX_LIMIT))
