"""Unit tests of the pure marketplace rules."""
