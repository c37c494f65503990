"""The database: engine, sessions, SQLite pragmas and the Alembic runner."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from anyio import to_thread
from sqlalchemy import event, exc, orm
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from consult.errors import ValidationError
from consult.i18n import lazy_gettext as _l
from consult.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Every id column is a 32-bit INTEGER; PostgreSQL refuses to compare one with a larger number.
MAX_ID = 2**31 - 1


def as_id(text: str | int) -> int | None:
    """A database id from a form or an address, or None; never one the database would refuse.
    ASCII digits only: `str.isdigit` also takes "²", which `int` refuses."""
    text = str(text).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


# What either driver or the pool raises when the database cannot be reached or is locked out:
# the request is answered 503 and the transaction never committed, so nothing half-done stays.
UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


WRITER_WAIT_SECONDS = 30


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while one writer commits; busy_timeout makes writers queue
    # instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # A writing transaction takes the write lock at BEGIN, so two writers queue on
    # busy_timeout instead of one failing with "database is locked" when it upgrades a read.
    write = conn.get_execution_options().get("consult_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE is ours.
        event.listen(engine, "connect", lambda conn, _rec: setattr(conn, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Up to 40 requests run at once (the thread pool); 20 kept open covers a busy steady state
    # without opening a connection per request, and 20 more may open for bursts.
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20)


def _refuse_overlong_text(session: orm.Session, _context, _instances) -> None:
    """Text longer than its column is refused with a 422, on every backend alike: SQLite would
    store it and PostgreSQL would fail the whole request. Forms check their fields' lengths
    first; this is the net under all of them."""
    for record in (*session.new, *session.dirty):
        table = getattr(type(record), "__table__", None)
        if table is None:
            continue
        for column in table.columns:
            limit = getattr(column.type, "length", None)
            value = record.__dict__.get(column.key)  # never loads an unloaded attribute
            if limit and isinstance(value, str) and len(value) > limit:
                field = column.key.replace("_", " ")
                raise ValidationError(
                    {
                        column.key: _l(
                            "A text is too long: %(field)s can be at most %(max)s characters.",
                            field=field,
                            max=limit,
                        )
                    }
                )


_write_counter = itertools.count(1)
_data_version = 0


def data_version() -> int:
    """A number that changes whenever a transaction in this process commits a write: a copy of
    a page made under the same number still shows the current data."""
    return _data_version


def _note_flush(session: orm.Session, _context) -> None:
    session.info["wrote"] = True


def _note_statement(state: orm.ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def _count_commit(session: orm.Session) -> None:
    # After the commit itself, so a page made under the new number cannot predate the write.
    global _data_version
    if session.info.pop("wrote", False):
        _data_version = next(_write_counter)


def _forget_writes(session: orm.Session, _previous_transaction=None) -> None:
    session.info.pop("wrote", None)


_SESSION_LISTENERS = [
    ("before_flush", _refuse_overlong_text),
    ("after_flush", _note_flush),
    ("do_orm_execute", _note_statement),
    ("after_commit", _count_commit),
    ("after_rollback", _forget_writes),
]


class Database:
    """Owns the engine; hands out sessions. One per application."""

    def __init__(self, settings: Settings) -> None:
        # Every table must be on the metadata before the first flush, whichever domain a
        # command happens to import.
        import consult.models  # noqa: F401

        for name, listener in _SESSION_LISTENERS:
            if not event.contains(orm.Session, name, listener):
                event.listen(orm.Session, name, listener)
        self.settings = settings
        self.engine = make_engine(settings)
        # SQLite has one writer at a time. Left to SQLite, waiting writers poll the lock,
        # sleeping up to 100 ms between tries, and a newcomer often takes it first: under 16
        # concurrent comments some waited seconds. Writers in this process queue here
        # instead, woken as soon as the one before them commits. (PostgreSQL locks rows.)
        self._sqlite_writer = threading.RLock() if settings.is_sqlite else None

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A session whose transaction commits when the block ends without error.

        Pass `write=True` when the block will write: on SQLite it then holds the write lock
        from its first statement.
        """
        with self._turn_to_write(write):
            bind = self.engine.execution_options(consult_write=True) if write else self.engine
            with Session(bind, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise

    @contextmanager
    def _turn_to_write(self, write: bool) -> Iterator[None]:
        if not write or self._sqlite_writer is None:
            yield
            return
        # As long as SQLite's own busy_timeout: past it, the request is answered 503.
        if not self._sqlite_writer.acquire(timeout=WRITER_WAIT_SECONDS):
            raise exc.TimeoutError(f"no turn to write within {WRITER_WAIT_SECONDS} s")
        try:
            yield
        finally:
            self._sqlite_writer.release()

    def refresh_statistics(self) -> None:
        """Gather SQLite's table statistics (PostgreSQL's autovacuum keeps its own).

        Without them SQLite's planner guesses, and guesses wrong on the response log: it sorts
        all of a consultation's comments for each page instead of walking the draft's clauses
        in order. `analysis_limit` samples each index, so this takes milliseconds at any size.
        """
        if not self.settings.is_sqlite:
            return
        with self.session(write=True) as session:
            session.connection().exec_driver_sql("PRAGMA analysis_limit = 1000")
            session.connection().exec_driver_sql("ANALYZE")

    def dispose(self) -> None:
        self.engine.dispose()


async def keep_statistics(database: Database, stop: asyncio.Event, every: float = 3600) -> None:
    """Refresh the statistics now and then every `every` seconds until `stop` is set: the
    tables grow from empty to tens of thousands of comments over a round."""
    while not stop.is_set():
        try:
            await to_thread.run_sync(database.refresh_statistics)
        except Exception:  # statistics are an optimisation; never stop the worker for them
            log.exception("refreshing the database statistics failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


def alembic_config(database_url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(settings: Settings, revision: str = "head") -> None:
    """Bring the database schema up to `revision`."""
    from alembic import command

    if settings.is_sqlite:
        make_engine(settings).dispose()  # creates the data directory
    command.upgrade(alembic_config(settings.database_url), revision)
