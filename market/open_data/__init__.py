"""Open data: every published purchase as OCDS 1.1 releases and records.

``ocds`` maps plain facts to OCDS dicts (pure, no I/O), ``queries`` reads those facts from the
database. A red-flag rules module can read the same releases without touching either.
"""
