"""The office database on PostgreSQL: connecting, the schema, the counters, and what differs
from SQLite in the few raw SQL reads.

- psycopg (3) is loaded only by `open_postgres` (a postgresql:// URL): chofu_tui/__init__.py
  keeps peewee from importing it at start-up (it would cost ~160 ms to every SQLite user),
  and `_load_driver` hands it to peewee when a URL asks for it.
- The schema is created at the current version at once, from models.CURRENT_MODELS plus the
  counters' roll-up tables, in one transaction under an advisory lock (of several first
  starts, one creates it). The version is the one row of `chofu_schema`.
- The counters: the same tally tables as store/tallies.py's SQLite triggers, kept by PL/pgSQL
  triggers inside the transaction of every write. One function applies one (entry, target)
  contribution to all seven tables; writers of entries take one transaction-level advisory
  lock, so two saves at once never race on a counter row (SQLite serialises writers too).
- StoreError in Japanese for a server that is down, a wrong user or password, a missing
  database, a role without rights. A URL's password is never printed (location.shown).
- Raw SQL written for SQLite (`?` parameters) runs here too: PgStore turns it into psycopg's
  `%s` style; reads that differ in dialect ask `is_postgres(db)`.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import sys
import uuid
from collections.abc import Iterator
from typing import Any

from peewee import Database, OnConflict, PostgresqlDatabase

from chofu_tui.errors import StoreError

SCHEMA_TABLE = "chofu_schema"
# pg_advisory_xact_lock keys (any two fixed numbers: they only need to differ)
_SCHEMA_LOCK = 4_177_001
_TALLY_LOCK = 4_177_002
_WRITE_LOCK = 4_177_003
CONNECT_TIMEOUT_S = 5


def is_postgres(db: Any) -> bool:
    """True when `db` (a peewee database, or the models' proxy) is a PostgreSQL store."""
    return isinstance(getattr(db, "obj", db), PostgresqlDatabase)


def concat_ids(db: Any, column: str) -> str:
    """SQL joining `column` of a group with commas: group_concat on SQLite, string_agg here."""
    return f"string_agg({column}, ',')" if is_postgres(db) else f"group_concat({column}, ',')"


# --------------------------------------------------------------------------- the driver


def _load_driver() -> Any:
    """Import psycopg and hand it to peewee, which found it blocked when it was imported."""
    if "psycopg" in sys.modules and sys.modules["psycopg"] is None:
        del sys.modules["psycopg"]  # the start-up block (chofu_tui/__init__.py)
    try:
        import psycopg
        from psycopg.pq import TransactionStatus
        from psycopg.types.json import Json, Jsonb
    except ImportError as exc:
        raise StoreError(
            "PostgreSQL に接続するための psycopg がインストールされていません。"
            "`pip install 'psycopg[binary]'` でインストールしてください",
            "psycopg is not installed",
        ) from exc
    import peewee

    names = vars(peewee)  # the module's globals, as its own `try: import psycopg` sets them
    if names.get("psycopg") is None:
        names.update(
            psycopg=psycopg, Json_pg3=Json, Jsonb_pg3=Jsonb, TransactionStatus=TransactionStatus
        )
        adapter = peewee.Psycopg3Adapter
        adapter.txn_idle = TransactionStatus.IDLE
        adapter.txn_inerror = TransactionStatus.INERROR
        adapter.txn_unknown = TransactionStatus.UNKNOWN
    return psycopg


# --------------------------------------------------------------------------- errors

# SQLSTATE classes and codes psycopg reports (or libpq's words when it has no code)
_AUTH = {"28P01", "28000"}
_NO_DATABASE = {"3D000"}
_NO_RIGHTS = {"42501"}
_GONE = ("08", "57P")  # connection exceptions, operator intervention (server shut down)
_AUTH_WORDS = ("password authentication failed", "role \"", "no password supplied",
               "no pg_hba.conf entry", "peer authentication failed")  # fmt: skip
_DOWN_WORDS = ("connection refused", "no such file or directory", "could not connect",
               "could not translate host name", "timeout expired", "server closed the connection",
               "terminating connection", "connection is closed", "the connection is lost",
               "is the server running", "connection failed")  # fmt: skip


def _driver_error(exc: BaseException) -> BaseException | None:
    """The psycopg error behind `exc` (peewee wraps it as its own exception's first arg)."""
    seen: list[BaseException] = [exc]
    for e in seen:
        if type(e).__module__.startswith("psycopg"):
            return e
        seen.extend(
            x
            for x in (*getattr(e, "args", ())[:1], e.__cause__, e.__context__)
            if isinstance(x, BaseException) and x not in seen
        )
    return None


def store_error(
    exc: BaseException, shown: str, user: str, password: str | None
) -> StoreError | None:
    """What went wrong, in Japanese, for a PostgreSQL failure; None when it is none of the
    known cases (a bug, or bad data: the caller's own handling applies)."""
    err = _driver_error(exc)
    if err is None:
        return None
    state = getattr(err, "sqlstate", None) or ""
    text = str(err).lower()
    if state in _AUTH or (not state and any(w in text for w in _AUTH_WORDS)):
        return StoreError(
            f"データベース {shown} に接続できません: ユーザー名 ({user}) かパスワードが"
            "違います。URL のユーザー名とパスワードを確かめてください",
            "authentication failed",
        )
    if state in _NO_DATABASE or (not state and "does not exist" in text and "database" in text):
        return StoreError(
            f"データベース {shown} はサーバーにありません。URL のデータベース名を確かめるか、"
            "管理者に作成を依頼してください (createdb)",
            "database does not exist",
        )
    if state in _NO_RIGHTS or "permission denied" in text:
        return StoreError(
            f"データベース {shown} を使う権限がユーザー {user} にありません。管理者に"
            "権限の付与を依頼してください (README「事務所のデータベース (PostgreSQL)」)",
            "permission denied",
        )
    if state.startswith(_GONE) or (not state and any(w in text for w in _DOWN_WORDS)):
        return StoreError(
            f"データベースのサーバーに接続できません ({shown})。サーバーが動いているか、"
            "ホスト名・ポート・ソケットのフォルダーが正しいかを確かめてください"
            " (この操作では何も保存していません)",
            "cannot reach the database server",
        )
    return StoreError(
        f"データベース {shown} でエラーが起きました: {_scrub(str(err), password)}",
        "database error",
    )


def _scrub(text: str, password: str | None) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first.replace(password, "***") if password else first


# --------------------------------------------------------------------------- the store

_QMARK = re.compile(r"\?")


class PgStore(PostgresqlDatabase):
    """peewee's PostgreSQL database (psycopg 3), reporting the server's failures as one
    StoreError wherever they surface, and running SQLite-style `?` SQL."""

    def __init__(self, shown: str, database: str, **kwargs: Any) -> None:
        self.shown = shown
        # libpq's own default when the URL names no user: PGUSER, else the login name
        self._user = str(kwargs.get("user") or os.environ.get("PGUSER") or getpass.getuser())
        self._password = kwargs.get("password")
        kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        super().__init__(database, prefer_psycopg3=True, **kwargs)

    @contextlib.contextmanager
    def _plain_errors(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            known = store_error(exc, self.shown, self._user, self._password)
            if known is not None and known.english != "database error":
                raise known from exc
            raise

    def _initialize_connection(self, conn: Any) -> None:
        # dates read back as YYYY-MM-DD whatever the server's or client's default
        conn.execute("SET DateStyle = 'ISO, YMD'")

    def connect(self, reuse_if_open: bool = False) -> bool:
        with self._plain_errors():
            return bool(super().connect(reuse_if_open))

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        # psycopg reads % as a placeholder (peewee always passes parameters, if only ()):
        # raw SQL written for SQLite says ? and means % as modulo; peewee's own SQL says %s
        if not params:
            sql = sql.replace("%", "%%")
        elif "?" in sql and "%s" not in sql:
            sql = _QMARK.sub("%s", sql.replace("%", "%%"))
        with self._plain_errors():
            return super().execute_sql(sql, params)

    def conflict_update(self, oc: Any, query: Any) -> Any:
        # Model.replace() (SQLite's INSERT OR REPLACE, as settings are saved): the same row
        # written whole over the one with its primary key
        if (oc._action or "").lower() == "replace":
            meta = query.table._meta
            keys = list(meta.get_primary_keys())
            rest = [f for f in meta.sorted_fields if all(f is not k for k in keys)]  # not ==
            oc = OnConflict("update", preserve=rest, conflict_target=keys)
        return super().conflict_update(oc, query)

    def begin(self, *args: Any, **kwargs: Any) -> None:
        with self._plain_errors():
            super().begin(*args, **kwargs)
            # One writing transaction at a time, as SQLite's IMMEDIATE lock gives: two
            # coordinators naming a new organisation at the same moment would otherwise both
            # insert it (a unique key error for one). Held until COMMIT; a save takes ms.
            super().execute_sql("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))

    def commit(self) -> None:
        with self._plain_errors():
            super().commit()


def open_postgres(url: str, shown: str) -> PgStore:
    """Connect to the office database at `url` and make sure its schema is current.

    Raises StoreError (Japanese) for every failure a user can act on."""
    _load_driver()
    from playhouse import db_url

    kwargs = db_url.parse(url, unquote_password=True, unquote_user=True)
    name = kwargs.pop("database", "")
    if not name:
        raise StoreError(
            f"URL {shown} にデータベース名がありません。"
            "postgresql://ユーザー@ホスト/データベース名 の形で指定してください",
            "no database name in the URL",
        )
    db = PgStore(shown, name, **kwargs)
    db.connect()
    try:
        _ensure_schema(db)
    except BaseException:
        db.close()
        raise
    return db


def schema_version(db: Database) -> int:
    """The version recorded in the database (0: none yet)."""
    # pg_tables, not to_regclass(): a start that waited for another's creation must see its
    # tables, and the catalog cache is not refreshed by waiting on an advisory lock
    row = db.execute_sql(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = %s",
        (SCHEMA_TABLE,),
    ).fetchone()
    if not row[0]:
        return 0
    row = db.execute_sql(f"SELECT max(version) FROM {SCHEMA_TABLE}").fetchone()
    return int(row[0] or 0)


def _ensure_schema(db: PgStore) -> None:
    from chofu_tui.store.db import SCHEMA_VERSION

    version = schema_version(db)
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"データベース {db.shown} は新しい版のプログラムで作られています "
            f"(スキーマ {version} > {SCHEMA_VERSION})。プログラムを更新してください。"
            "データベースは変更していません",
            "database is newer than this program",
        )
    with db.atomic():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        version = schema_version(db)  # another start may have made it while we waited
        if version == SCHEMA_VERSION:
            return
        if version == 0:
            others = db.execute_sql(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchone()[0]
            if others:
                raise StoreError(
                    f"データベース {db.shown} には chofu-tui のものではない表があります。"
                    "chofu-tui 専用のデータベースを作って指定してください。何も変更していません",
                    "not a chofu-tui database",
                )
            create_schema(db)
        else:
            # The first PostgreSQL schema is this version's; a later one adds its steps here.
            raise StoreError(
                f"データベース {db.shown} のスキーマ {version} はこの版では更新できません",
                "cannot upgrade this schema version",
            )


def create_schema(db: Database) -> None:
    """Every table of the current version, the counters and their triggers (in a transaction)."""
    from chofu_tui.store.db import SCHEMA_VERSION
    from chofu_tui.store.models import CURRENT_MODELS, Setting, database

    database.initialize(db)
    db.create_tables(CURRENT_MODELS)
    for sql in (*COUNTER_TABLES, *COUNTER_FUNCTIONS, *COUNTER_TRIGGERS):
        db.execute_sql(sql)
    db.execute_sql(f"CREATE TABLE {SCHEMA_TABLE} (version INTEGER NOT NULL)")
    db.execute_sql(f"INSERT INTO {SCHEMA_TABLE} (version) VALUES (%s)", (SCHEMA_VERSION,))
    # The office database is a replica like any laptop's store: it names itself now.
    Setting.insert(key="device_id", value=str(uuid.uuid4())).on_conflict_ignore().execute()


def rebuild_counters(db: Database) -> None:
    """Recount every counter table from the entries (inside a transaction): after a bulk load
    made with the triggers off (the benchmark), or to repair."""
    from chofu_tui.store import tallies

    for table, (columns, select) in tallies.recount_queries().items():
        db.execute_sql(f"DELETE FROM {table}")
        db.execute_sql(f"INSERT INTO {table} ({columns}) {select}")


# --------------------------------------------------------------------------- the counters

# tally and tally_org come from the models (CURRENT_MODELS); the roll-ups of schema version 3
# and the indexes are written out, as in tallies.py.
COUNTER_TABLES = (
    "CREATE INDEX tally_org_by_area ON tally_org (fiscal_year, target_id, area, organisation_id)",
    "CREATE INDEX tally_org_by_month ON tally_org (fiscal_year, target_id, month, organisation_id)",
    """CREATE TABLE tally_area (fiscal_year INTEGER NOT NULL, target_id TEXT NOT NULL,
        area INTEGER NOT NULL, total INTEGER NOT NULL, entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, area))""",
    """CREATE TABLE tally_month (fiscal_year INTEGER NOT NULL, target_id TEXT NOT NULL,
        month INTEGER NOT NULL, total INTEGER NOT NULL, entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, month))""",
    """CREATE TABLE tally_area_month (fiscal_year INTEGER NOT NULL, target_id TEXT NOT NULL,
        area INTEGER NOT NULL, month INTEGER NOT NULL, total INTEGER NOT NULL,
        entries INTEGER NOT NULL, PRIMARY KEY (fiscal_year, target_id, area, month))""",
    """CREATE TABLE tally_org_area (fiscal_year INTEGER NOT NULL, target_id TEXT NOT NULL,
        area INTEGER NOT NULL, organisation_id INTEGER NOT NULL, entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, area, organisation_id))""",
    """CREATE TABLE tally_org_month (fiscal_year INTEGER NOT NULL, target_id TEXT NOT NULL,
        organisation_id INTEGER NOT NULL, month INTEGER NOT NULL, entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, organisation_id, month))""",
    """CREATE TABLE tally_orgs (fiscal_year INTEGER NOT NULL, target_id TEXT NOT NULL,
        area INTEGER NOT NULL, orgs INTEGER NOT NULL, PRIMARY KEY (fiscal_year, target_id, area))""",
    """CREATE TABLE tally_first (fiscal_year INTEGER NOT NULL, target_id TEXT NOT NULL,
        first_month INTEGER NOT NULL, orgs INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, first_month))""",
)


def _bump(table: str, keys: dict[str, str], adds: dict[str, str]) -> str:
    """PL/pgSQL: add `adds` to `table`'s row at `keys` (made if missing); a row whose
    `entries`/`orgs` comes down to zero is deleted (rows mean 'some'). Leaves the new count
    in the variable n."""
    cols = ", ".join([*keys, *adds])
    vals = ", ".join([*keys.values(), *adds.values()])
    sets = ", ".join(f"{c} = x.{c} + excluded.{c}" for c in adds)
    count = "orgs" if "orgs" in adds else "entries"
    where = " AND ".join(f"{c} = {v}" for c, v in keys.items())
    return f"""
    INSERT INTO {table} AS x ({cols}) VALUES ({vals})
        ON CONFLICT ({", ".join(keys)}) DO UPDATE SET {sets}
        RETURNING x.{count} INTO n;
    IF n = 0 THEN DELETE FROM {table} WHERE {where}; END IF;"""


_K = {"fiscal_year": "fy", "target_id": "tid"}
_AREA = {"area": "e.area"}
_TOTALS = {"total": "s * e.count", "entries": "s"}

COUNTER_FUNCTIONS = (
    # One (entry, target) pair counted in (s = 1) or out (s = -1) of every counter table;
    # what tallies.py's SQLite triggers do, in one place.
    f"""CREATE FUNCTION chofu_tally_apply(s integer, e entry, tid text) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
        fy integer := e.fiscal_year;
        mon integer := EXTRACT(MONTH FROM e.date)::integer;
        fm integer := (EXTRACT(MONTH FROM e.date)::integer + 8) % 12;
        n integer;
        other integer;
    BEGIN
    {_bump("tally", {**_K, **_AREA, "coordinator": "e.coordinator", "month": "mon"}, _TOTALS)}
    {_bump("tally_area", {**_K, **_AREA}, _TOTALS)}
    {_bump("tally_month", {**_K, "month": "mon"}, _TOTALS)}
    {_bump("tally_area_month", {**_K, **_AREA, "month": "mon"}, _TOTALS)}
    IF e.organisation_id IS NULL THEN RETURN; END IF;
    {
        _bump(
            "tally_org",
            {
                **_K,
                "organisation_id": "e.organisation_id",
                **_AREA,
                "coordinator": "e.coordinator",
                "month": "mon",
            },
            {"entries": "s"},
        )
    }
    {
        _bump(
            "tally_org_area",
            {**_K, **_AREA, "organisation_id": "e.organisation_id"},
            {"entries": "s"},
        )
    }
    -- an organisation newly (or no longer) reached in the area
    IF n = 1 AND s = 1 THEN
        {_bump("tally_orgs", {**_K, **_AREA}, {"orgs": "1"})}
    ELSIF n = 0 THEN
        {_bump("tally_orgs", {**_K, **_AREA}, {"orgs": "-1"})}
    END IF;
    {
        _bump(
            "tally_org_month",
            {**_K, "organisation_id": "e.organisation_id", "month": "mon"},
            {"entries": "s"},
        )
    }
    IF NOT ((n = 1 AND s = 1) OR n = 0) THEN RETURN; END IF;
    -- the organisation's first fiscal month among its other months
    SELECT min((month + 8) % 12) INTO other FROM tally_org_month
        WHERE fiscal_year = fy AND target_id = tid AND organisation_id = e.organisation_id
        AND month <> mon;
    IF n = 1 THEN
        -- a new month: the first one if earlier than every other
        IF other IS NULL OR fm < other THEN
            IF other IS NOT NULL THEN
                {_bump("tally_first", {**_K, "first_month": "other"}, {"orgs": "-1"})}
            END IF;
            {_bump("tally_first", {**_K, "first_month": "fm"}, {"orgs": "1"})}
        END IF;
    ELSE
        -- a month gone: if it was the first, the next one takes over
        IF other IS NULL OR fm < other THEN
            {_bump("tally_first", {**_K, "first_month": "fm"}, {"orgs": "-1"})}
            IF other IS NOT NULL THEN
                {_bump("tally_first", {**_K, "first_month": "other"}, {"orgs": "1"})}
            END IF;
        END IF;
    END IF;
    END $$""",
    # a target credited to (or taken off) an entry
    f"""CREATE FUNCTION chofu_tally_target() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE r entry;
    BEGIN
    PERFORM pg_advisory_xact_lock({_TALLY_LOCK});
    IF TG_OP = 'INSERT' THEN
        SELECT * INTO r FROM entry WHERE id = NEW.entry_id AND NOT deleted;
        IF FOUND THEN PERFORM chofu_tally_apply(1, r, NEW.target_id); END IF;
        RETURN NEW;
    END IF;
    SELECT * INTO r FROM entry WHERE id = OLD.entry_id AND NOT deleted;
    IF FOUND THEN PERFORM chofu_tally_apply(-1, r, OLD.target_id); END IF;
    RETURN OLD;
    END $$""",
    # an entry changed where it counts (date, area, coordinator, organisation, count, deleted)
    f"""CREATE FUNCTION chofu_tally_entry() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE t record;
    BEGIN
    IF (OLD.date, OLD.fiscal_year, OLD.area, OLD.coordinator, OLD.organisation_id, OLD.count,
        OLD.deleted) IS NOT DISTINCT FROM (NEW.date, NEW.fiscal_year, NEW.area,
        NEW.coordinator, NEW.organisation_id, NEW.count, NEW.deleted) THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock({_TALLY_LOCK});
    FOR t IN SELECT target_id FROM entry_target WHERE entry_id = OLD.id LOOP
        IF NOT OLD.deleted THEN PERFORM chofu_tally_apply(-1, OLD, t.target_id); END IF;
        IF NOT NEW.deleted THEN PERFORM chofu_tally_apply(1, NEW, t.target_id); END IF;
    END LOOP;
    RETURN NEW;
    END $$""",
    # an entry removed outright: its targets go first, counted out while it is still there
    """CREATE FUNCTION chofu_entry_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
    DELETE FROM entry_target WHERE entry_id = OLD.id;
    RETURN OLD;
    END $$""",
)

COUNTER_TRIGGERS = (
    "CREATE TRIGGER tally_target AFTER INSERT OR DELETE ON entry_target"
    " FOR EACH ROW EXECUTE FUNCTION chofu_tally_target()",
    "CREATE TRIGGER tally_entry_update AFTER UPDATE OF date, fiscal_year, area, coordinator,"
    " organisation_id, count, deleted ON entry FOR EACH ROW EXECUTE FUNCTION chofu_tally_entry()",
    "CREATE TRIGGER tally_entry_delete BEFORE DELETE ON entry"
    " FOR EACH ROW EXECUTE FUNCTION chofu_entry_delete()",
)
