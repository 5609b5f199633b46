"""Use cases of the drawing set, one module per topic; each write is one transaction with its
audit entry and outbox rows, then ``outbox.kick()``; every read and write checks the actor's
access to the set (``services.access``)."""
