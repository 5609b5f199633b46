"""Unit tests of the kernel's pure modules."""
