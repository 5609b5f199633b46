from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T10:32:50:780892"
VERSION = "1.38.0"
DESCRIPTION = "the worker node that claimed an outbox entry (released when it restarts)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="oneset", description=DESCRIPTION)

    manager.add_column(
        table_class_name="OutboxEntry",
        tablename="oneset_outbox",
        column_name="claimed_by",
        db_column_name="claimed_by",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 200,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
