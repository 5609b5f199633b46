"""The kernel: what every domain builds on and nothing above it.

Settings, the clock, the database binding, domain errors, the audit chain, the outbox, jobs and
the platform (the ports a process works with). It imports no domain, no web and no composition
root; those inject what the kernel needs (the tables to bind, the outbox's sender).
"""
