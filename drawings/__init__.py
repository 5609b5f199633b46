"""drawings package."""
