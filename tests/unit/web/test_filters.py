"""The pages' filters: what users read instead of internal identifiers and units."""

from __future__ import annotations

from web import filters


def test_an_audit_subject_becomes_a_readable_link() -> None:
    assert filters.subject_link("purchase:12") == '<a href="/purchases/12">采购项目 #12</a>'
    assert filters.subject_link("intermediary:3") == '<a href="/intermediaries/3">中介机构主页</a>'
    assert filters.subject_link("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"  # anything else, escaped


def test_quotes_are_shown_in_yuan_or_percent() -> None:
    assert filters.quote(8_000_000, "amount") == "80,000.00 元"
    assert filters.quote(1_250, "discount_rate") == "12.50%"
    assert filters.quote(None, "amount") == "—"
