from __future__ import annotations

import pytest

from drawings.rules.access import Access
from drawings.rules.search_text import chunk_text
from drawings.rules.sheets import archive_segment, check_sheet_number
from drawings.rules.signing import signable
from drawings.rules.states import State, check_mutable, check_transition
from kernel.errors import Conflict, Invalid
from kernel.http import UNSATISFIABLE, parse_range


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (State.WIP, State.SHARED),
        (State.SHARED, State.WIP),
        (State.SHARED, State.PUBLISHED),
        (State.PUBLISHED, State.ARCHIVED),
    ],
)
def test_allowed_transitions(current: State, target: State) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target", "code"),
    [
        (State.WIP, State.PUBLISHED, "illegal_transition"),  # review needs sharing first
        (State.PUBLISHED, State.WIP, "revision_locked"),
        (State.PUBLISHED, State.SHARED, "revision_locked"),
        (State.PUBLISHED, State.PUBLISHED, "revision_locked"),
        (State.ARCHIVED, State.PUBLISHED, "revision_locked"),
    ],
)
def test_refused_transitions(current: State, target: State, code: str) -> None:
    with pytest.raises(Conflict) as caught:
        check_transition(current, target)
    assert caught.value.code == code


def test_only_unpublished_revisions_change() -> None:
    check_mutable(State.WIP)
    check_mutable(State.SHARED)
    for locked in (State.PUBLISHED, State.ARCHIVED):
        with pytest.raises(Conflict):
            check_mutable(locked)


@pytest.mark.parametrize(
    "bad", ["", "   ", "a/b", "a\\b", "x" * 65, "..", ".", ".hidden", "a\x00b", "a\nb", "a\x7fb"]
)
def test_sheet_numbers(bad: str) -> None:
    assert check_sheet_number(" 建施-01 ") == "建施-01"
    assert check_sheet_number("A.1..2") == "A.1..2"
    with pytest.raises(Invalid):
        check_sheet_number(bad)


@pytest.mark.parametrize("stored", ["..", ".", "../../etc", "a\\b", "a\x00b", ".x", "x" * 300])
def test_archive_segments_of_stored_numbers_are_plain_names(stored: str) -> None:
    segment = archive_segment(stored, 42)
    assert segment.endswith("~42") and not segment.startswith(".")
    assert "/" not in segment and "\\" not in segment and segment.isprintable()
    check_sheet_number(segment.removesuffix("~42"))
    assert archive_segment("建施-01", 42) == "建施-01"


def test_chunks_keep_every_character_and_respect_the_size() -> None:
    texts = ["短文字", "x" * 4500, "", "另一段 text"]
    chunks = chunk_text(texts, size=2000)
    assert all(len(chunk) <= 2000 + 10 for chunk in chunks)
    joined = "".join(chunks).replace("\n", "")
    assert joined == "".join(texts)
    assert chunk_text([]) == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=90-200", (90, 99)),
        ("bytes=100-", UNSATISFIABLE),
        ("bytes=-0", UNSATISFIABLE),
        ("bytes=5-2", UNSATISFIABLE),
        ("bytes=0-1,5-6", None),  # multi-range: the whole file
        ("items=0-1", None),
    ],
)
def test_byte_ranges(header: str | None, expected: object) -> None:
    assert parse_range(header, 100) == expected


def test_the_seal_form_offers_what_the_organisation_may_still_sign() -> None:
    def offered(
        access: Access,
        *,
        locked: bool = False,
        completion: bool = False,
        major_change: bool = False,
        signed: set[tuple[str, str]] | None = None,
    ) -> list[str]:
        pairs = signable(
            access,
            locked=locked,
            completion=completion,
            major_change=major_change,
            signed=signed or set(),
        )
        return [f"{purpose.value}:{role}" for purpose, role in pairs]

    design = ["design:designer", "design:checker", "design:reviewer", "design:approver"]
    assert offered(Access.CONTRIBUTE) == [*design, "design:lead"]
    assert offered(Access.CONTRIBUTE, signed={("design", "lead")}) == design
    assert offered(Access.CONTRIBUTE, locked=True) == []  # published: no design seal any more
    assert offered(Access.OWNER) == []  # the builder seals only change confirmations
    assert offered(Access.OWNER, major_change=True) == ["change:builder"]
    assert offered(Access.READ, major_change=True) == ["change:contractor", "change:supervisor"]
    assert offered(Access.REVIEW, major_change=True) == []  # its seal comes with publication
    asbuilt = offered(Access.READ, completion=True, signed={("asbuilt", "contractor")})
    assert asbuilt == [
        "asbuilt:compiler",
        "asbuilt:checker",
        "asbuilt:technical_lead",
        "asbuilt:supervision_unit",
        "asbuilt:chief_supervisor",
        "asbuilt:site_supervisor",
    ]
