from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one sign-up per purchase and intermediary (unique index)"


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="market", description=DESCRIPTION)

    async def run() -> None:
        await RawTable.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS market_signup_once "
            "ON market_signup (purchase, intermediary)"
        )

    async def run_backwards() -> None:
        await RawTable.raw("DROP INDEX IF EXISTS market_signup_once")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
