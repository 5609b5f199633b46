"""Every code the joint survey shows has its one Chinese label."""

from __future__ import annotations

import enum

import pytest

from surveys.rules import labels
from surveys.rules.certificates import CertificateKind
from surveys.rules.check_states import CheckStatus
from surveys.rules.checks import DEFAULT_RULE_SETS, Direction, Outcome
from surveys.rules.commissions import ITEM_DEPARTMENT, CheckItem, CommissionStatus, Stage
from surveys.rules.sections import Section


@pytest.mark.parametrize(
    ("codes", "table"),
    [
        (Stage, labels.STAGE_LABELS),
        (CheckItem, labels.ITEM_LABELS),
        (CommissionStatus, labels.COMMISSION_STATUS_LABELS),
        (CheckStatus, labels.CHECK_STATUS_LABELS),
        (Outcome, labels.OUTCOME_LABELS),
        (Direction, labels.DIRECTION_LABELS),
        (Section, labels.SECTION_LABELS),
        (CertificateKind, labels.CERTIFICATE_TITLES),
    ],
)
def test_every_code_has_a_label(codes: type[enum.StrEnum], table: dict[str, str]) -> None:
    assert set(table) == {c.value for c in codes}
    assert all(table[c] for c in codes)  # looked up by the enum member as by its text


def test_every_department_and_rule_indicator_has_a_label() -> None:
    assert set(labels.DEPARTMENT_LABELS) == set(ITEM_DEPARTMENT.values()) == set(DEFAULT_RULE_SETS)
    indicators = {r.indicator for rs in DEFAULT_RULE_SETS.values() for r in rs.rules}
    assert {i for i in indicators if not i.startswith("setback:")} <= set(labels.INDICATOR_LABELS)
