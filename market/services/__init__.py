"""Marketplace use cases by topic; each write is one transaction with its audit entry and
outbox rows, followed by ``outbox.kick()`` after commit. Reads return typed Structs."""
