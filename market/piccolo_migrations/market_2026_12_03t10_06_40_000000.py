from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T10:06:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "sign-ups written before recorded_at existed: recorded when received"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def run() -> None:
        await RawTable.raw("UPDATE market_signup SET recorded_at = signed_at")

    manager.add_raw(run)
    return manager
