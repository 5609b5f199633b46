"""Marketplace service and API tests (scenarios 1–13) on SQLite and PostgreSQL."""
