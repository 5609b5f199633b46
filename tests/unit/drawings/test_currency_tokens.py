"""The QR code's token: bound to one revision and one secret key, checked in constant time."""

from __future__ import annotations

from drawings.rules.currency_tokens import TOKEN_LENGTH, currency_token, token_matches


def test_a_token_opens_its_revision_only() -> None:
    token = currency_token(42, "key-a")
    assert len(token) == TOKEN_LENGTH
    assert token == currency_token(42, "key-a")  # printed once, valid for ever
    assert token_matches(42, token, "key-a")
    assert not token_matches(43, token, "key-a")
    assert not token_matches(42, token, "key-b")  # another installation's code
    assert not token_matches(42, token[:-1], "key-a")
    assert not token_matches(42, token + "A", "key-a")
    assert not token_matches(42, "", "key-a")
    assert not token_matches(42, "令" * TOKEN_LENGTH, "key-a")
