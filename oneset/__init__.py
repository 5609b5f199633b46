"""OneSet composition root: settings, app factory, Celery app, CLI, errors, audit chain."""
