from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import consult.models  # noqa: F401


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
