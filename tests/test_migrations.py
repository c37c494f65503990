import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import consult.models  # noqa: F401
from consult.db import keep_statistics
from tests.conftest import make_consultation, run_async


def test_models_and_migrations_agree(settings):
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == [], (
        f"models differ from migrations; run alembic revision --autogenerate: {differences}"
    )


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, settings):
    if not settings.is_sqlite:
        return
    with app.state.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_table_is_migrated(settings):
    engine = create_engine(settings.database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables


def test_the_worker_keeps_sqlite_statistics(app, settings):
    if not settings.is_sqlite:
        pytest.skip("PostgreSQL's autovacuum gathers its statistics")
    db = app.state.db
    make_consultation(db)  # clauses to analyse

    def stat_rows() -> int:
        with db.engine.connect() as connection:
            exists = connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).scalar()
            if not exists:
                return 0
            return connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'clauses'"
            ).scalar()

    assert stat_rows() == 0

    async def one_round() -> None:
        stop = asyncio.Event()
        keeping = asyncio.create_task(keep_statistics(db, stop, every=60))
        for _ in range(500):  # at most 5 s
            if stat_rows():
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(keeping, timeout=5)

    run_async(one_round())
    assert stat_rows() > 0
