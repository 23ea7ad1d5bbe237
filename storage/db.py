"""The SQLAlchemy handle shared by every layer, and database-wide settings."""

import time
from typing import NamedTuple

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.pool import Pool
from sqlalchemy.sql.elements import TextClause

# Stable constraint names, so that Alembic migrations work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The largest key an integer column can store (SQLite INTEGER, PostgreSQL bigint), so a larger id names no record.
MAX_RECORD_ID = 2**63 - 1

# Execution option that makes the next transaction on a SQLite connection start with BEGIN IMMEDIATE.
SQLITE_BEGIN_OPTION = "sqlite_begin"
SQLITE_BUSY_TIMEOUT_MS = 30000


def db_insert(table):
    """Return an INSERT on `table` for the session's database that offers `on_conflict_do_nothing`."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"INSERT … ON CONFLICT is needed, which {dialect} lacks here")


class PlainStatement:
    """A fixed SQL statement of a step's write path, run on the driver's cursor of the session's connection.

    On the benchmark machine, executing through SQLAlchemy took about 30 µs per statement (looking up the
    compiled form, processing the parameters, wrapping the result) against 10 µs in SQLite itself, and a step
    runs seven or so of these statements. A PlainStatement compiles its text once per dialect, converts the
    parameters with the same type processors, and hands them to the driver. Errors are the driver's own
    (sqlite3, psycopg), and SQLAlchemy's cursor events do not see these statements.
    """

    def __init__(self, clause: TextClause):
        self.clause = clause
        self._compiled: dict[str, tuple] = {}

    def _compile(self, dialect) -> tuple:
        compiled = self.clause.compile(dialect=dialect)
        processors, defaults = {}, {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
            if not bind.required:
                defaults[name] = bind.effective_value
        # positiontup lists the parameters in order for the positional styles (SQLite's "?"). Named styles
        # (psycopg's %(name)s) take the dict.
        return str(compiled), compiled.positiontup, processors, defaults

    def execute(self, params: dict) -> "PlainResult":
        """Run the statement in the session's transaction and return its rows and row count."""
        connection = db.session.connection()
        prepared = self._compiled.get(connection.dialect.name)
        if prepared is None:
            prepared = self._compiled[connection.dialect.name] = self._compile(connection.dialect)
        sql, positions, processors, defaults = prepared
        values = {**defaults, **params} if defaults else dict(params)
        for name, processor in processors.items():
            if name in values:
                values[name] = processor(values[name])
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, tuple(values[name] for name in positions) if positions else values)
            rows = cursor.fetchall() if cursor.description is not None else []
            return PlainResult(rows, cursor.rowcount)
        finally:
            cursor.close()


class PlainResult(NamedTuple):
    """The rows (tuples) that a PlainStatement returned, and the number of rows it changed."""

    rows: list
    rowcount: int


# INSERT statements by model, with the scalar defaults of their columns (see `insert_row`).
_INSERT_ROW: dict[type, tuple[PlainStatement, dict, list, str]] = {}


def insert_row(model, values: dict):
    """Insert one row of `model` with a PlainStatement and return its instance, in the session as already stored.

    The columns missing from `values` take their column default, or NULL. The instance carries every column, so
    reading one later needs no query, and the unit of work has nothing to flush for it (a flush costs about
    0.5 ms for a case).
    """
    prepared = _INSERT_ROW.get(model)
    if prepared is None:
        table = model.__table__
        (key,) = [column.name for column in table.primary_key.columns]
        columns = [column for column in table.columns if column.name != key]
        statement = PlainStatement(sa.text(
            f"INSERT INTO {table.name} ({', '.join(column.name for column in columns)}) "
            f"VALUES ({', '.join(':' + column.name for column in columns)}) RETURNING {key}"
        ).bindparams(*(sa.bindparam(column.name, type_=column.type) for column in columns)))
        defaults = {column.name: column.default.arg if column.default is not None and column.default.is_scalar
                    else None for column in columns}
        computed = [column for column in columns if column.default is not None and column.default.is_callable]
        prepared = _INSERT_ROW[model] = (statement, defaults, computed, key)
    statement, defaults, computed, key = prepared
    row = {**defaults, **values}
    for column in computed:
        if column.name not in values:
            row[column.name] = column.default.arg(None)
    ((row[key],),) = statement.execute(row).rows
    return add_stored(model, row)


def add_stored(model, row: dict):
    """Return an instance of `model` for a row already inserted, added to the session with nothing to flush."""
    instance = model(**row)
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def _is_pysqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    """Turn on foreign keys, WAL and a busy timeout for every SQLite connection, and take over BEGIN.

    The sqlite3 module otherwise opens transactions itself, lazily and always DEFERRED; with
    `isolation_level = None` it leaves that to the "begin" listener below.
    """
    if not _is_pysqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL keeps every committed step through a crash of the application and saves an fsync per
    # commit. Only a power cut can lose the last transactions, and it never corrupts the database.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A pooled connection idle for longer than this is tested with a round trip before it is handed out again.
IDLE_PING_SECONDS = 10.0


@event.listens_for(Pool, "checkin")
def _note_checkin(_dbapi_connection, connection_record) -> None:
    connection_record.info["checked_in_at"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, connection_record, _proxy) -> None:
    """Test a server connection that sat idle in the pool, so one the server or a proxy closed is replaced.

    A connection used within the last IDLE_PING_SECONDS is handed out as it is: testing every checkout would add a
    round trip to every transaction. Raising DisconnectionError makes the pool discard it and connect again.
    """
    if _is_pysqlite(dbapi_connection):
        return
    checked_in_at = connection_record.info.get("checked_in_at")
    if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:  # noqa: BLE001 - any failure means the connection cannot be used
        raise DisconnectionError(f"pooled connection failed its test after idling: {exc}") from exc


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    """Start a SQLite transaction: BEGIN IMMEDIATE when the connection's execution options request it, plain BEGIN otherwise.

    A deferred transaction that reads and then writes fails at once with "database is locked" when another
    writer committed after its first read, because the busy timeout does not apply to that upgrade. BEGIN
    IMMEDIATE takes the write lock first, so a second writer waits up to the busy timeout instead.
    """
    if connection.dialect.name != "sqlite" or connection.dialect.driver != "pysqlite":
        return
    if connection.get_execution_options().get(SQLITE_BEGIN_OPTION) == "immediate":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")
