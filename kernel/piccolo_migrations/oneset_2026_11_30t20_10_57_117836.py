from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from kernel.columns import ClockNow
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T20:10:57:117836"
VERSION = "1.38.0"
DESCRIPTION = "worker heartbeats"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="oneset", description=DESCRIPTION)

    manager.add_table(
        class_name="Heartbeat",
        tablename="oneset_heartbeat",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="Heartbeat",
        tablename="oneset_heartbeat",
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params={
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Heartbeat",
        tablename="oneset_heartbeat",
        column_name="name",
        db_column_name="name",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 200,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Heartbeat",
        tablename="oneset_heartbeat",
        column_name="at",
        db_column_name="at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": ClockNow(),
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
