"""market package."""
