"""Joint-survey use cases by topic; each write is one transaction with its audit entries, then
``outbox.kick()``; reads return the wire Structs of ``surveys.schemas``."""
