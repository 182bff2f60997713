"""Counters kept beside the entries, so that a year's figures are read, not recounted.

Two tables hold, for live (not deleted) entries only:
- `tally`:     (fiscal_year, target_id, area, coordinator, month) -> summed counts, entries;
- `tally_org`: (fiscal_year, target_id, organisation_id, area, coordinator, month) -> entries
               (the rows that `distinct` targets count organisations from).

SQLite triggers on `entry` and `entry_target` keep them exact inside the very transaction
of every write, whichever code makes it (log, edit, delete, restore, organisation merge, the
merge of another laptop's store): no service has to remember to update them. `rebuild()`
recounts them from the entries; `recount()` gives the rows a from-scratch count would give.

Schema version 3 adds roll-ups of them without the coordinator and month keys, kept by their
own triggers in the same transaction, so the usual figures (the whole year, no coordinator
asked for) read a few rows per target however many entries there are:
- `tally_area`:      (fiscal_year, target_id, area) -> summed counts, entries;
- `tally_month`:     (fiscal_year, target_id, month) -> summed counts, entries;
- `tally_area_month`: (fiscal_year, target_id, area, month) -> summed counts, entries (the
                     months in which per_area targets' areas reach their minimum);
- `tally_org_area`:  (fiscal_year, target_id, area, organisation_id) -> entries, and
  `tally_orgs`:      (fiscal_year, target_id, area) -> its rows: organisations by area;
- `tally_org_month`: (fiscal_year, target_id, organisation_id, month) -> entries, and
  `tally_first`:     (fiscal_year, target_id, first_month) -> organisations first reached in
                     that fiscal month (0 = April): they add up to the year's organisations.
A roll-up row whose entries come down to zero deletes itself, and the organisation counts
follow the rows' inserts and deletes. Coordinator filters and past as-of days still read
`tally` / `tally_org` (+ a month of entries).

The SQL of a shipped version (see db.MIGRATIONS) changes only through a new migration.
"""

from __future__ import annotations

import datetime as dt

from peewee import SqliteDatabase

TABLES = (
    """CREATE TABLE tally (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        area INTEGER NOT NULL,
        coordinator TEXT NOT NULL,
        month INTEGER NOT NULL,
        total INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, area, coordinator, month)
    ) WITHOUT ROWID""",
    """CREATE TABLE tally_org (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        organisation_id INTEGER NOT NULL,
        area INTEGER NOT NULL,
        coordinator TEXT NOT NULL,
        month INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, organisation_id, area, coordinator, month)
    ) WITHOUT ROWID""",
    # distinct organisations by area and by month, read in key order (no temporary B-trees)
    "CREATE INDEX tally_org_by_area ON tally_org (fiscal_year, target_id, area, organisation_id)",
    "CREATE INDEX tally_org_by_month ON tally_org (fiscal_year, target_id, month, organisation_id)",
)

_TALLY_KEY = "fiscal_year, target_id, area, coordinator, month"
_ORG_KEY = "fiscal_year, target_id, organisation_id, area, coordinator, month"


def _month(date: str) -> str:
    return f"CAST(substr({date}, 6, 2) AS INTEGER)"  # dates are ISO text: YYYY-MM-DD


def _apply(sign: str, e: str, target: str, source: str) -> str:
    """Add (sign '+') or remove (sign '-') the contribution of entry `e` to `target`.

    `e` is a row alias with the entry's columns (e, OLD or NEW); `source` the FROM/WHERE
    that yields one row per (entry, target) to apply.
    """
    return f"""
    INSERT INTO tally ({_TALLY_KEY}, total, entries)
        SELECT {e}.fiscal_year, {target}, {e}.area, {e}.coordinator, {_month(f"{e}.date")},
               {sign}{e}.count, {sign}1
        {source}
        ON CONFLICT ({_TALLY_KEY}) DO UPDATE
            SET total = total + excluded.total, entries = entries + excluded.entries;
    INSERT INTO tally_org ({_ORG_KEY}, entries)
        SELECT {e}.fiscal_year, {target}, {e}.organisation_id, {e}.area, {e}.coordinator,
               {_month(f"{e}.date")}, {sign}1
        {source} AND {e}.organisation_id IS NOT NULL
        ON CONFLICT ({_ORG_KEY}) DO UPDATE SET entries = entries + excluded.entries;"""


def _drop_zeros(e: str, targets: str) -> str:
    """Delete the rows of entry `e`'s keys that came down to zero (so rows mean 'some')."""
    return f"""
    DELETE FROM tally WHERE entries = 0 AND fiscal_year = {e}.fiscal_year
        AND area = {e}.area AND coordinator = {e}.coordinator
        AND month = {_month(f"{e}.date")} AND target_id IN ({targets});
    DELETE FROM tally_org WHERE entries = 0 AND fiscal_year = {e}.fiscal_year
        AND organisation_id = {e}.organisation_id AND area = {e}.area
        AND coordinator = {e}.coordinator AND month = {_month(f"{e}.date")}
        AND target_id IN ({targets});"""


TRIGGERS = (
    # a target credited to an entry (log, edit, restore, merge)
    f"""CREATE TRIGGER tally_target_insert AFTER INSERT ON entry_target BEGIN
    {_apply("+", "e", "NEW.target_id", "FROM entry e WHERE e.id = NEW.entry_id AND e.deleted = 0")}
    END""",
    # a target taken off an entry (edit, restore, merge, or the entry itself removed)
    f"""CREATE TRIGGER tally_target_delete AFTER DELETE ON entry_target BEGIN
    {_apply("-", "e", "OLD.target_id", "FROM entry e WHERE e.id = OLD.entry_id AND e.deleted = 0")}
    DELETE FROM tally WHERE entries = 0 AND target_id = OLD.target_id AND
        ({_TALLY_KEY}) = (SELECT fiscal_year, OLD.target_id, area, coordinator,
                          {_month("date")} FROM entry WHERE id = OLD.entry_id);
    DELETE FROM tally_org WHERE entries = 0 AND target_id = OLD.target_id AND
        ({_ORG_KEY}) = (SELECT fiscal_year, OLD.target_id, organisation_id, area, coordinator,
                        {_month("date")} FROM entry WHERE id = OLD.entry_id);
    END""",
    # an entry changed where it counts (date, area, coordinator, organisation, count, deleted)
    f"""CREATE TRIGGER tally_entry_update AFTER UPDATE OF
        date, fiscal_year, area, coordinator, organisation_id, count, deleted ON entry
    WHEN OLD.date IS NOT NEW.date OR OLD.fiscal_year IS NOT NEW.fiscal_year
        OR OLD.area IS NOT NEW.area OR OLD.coordinator IS NOT NEW.coordinator
        OR OLD.organisation_id IS NOT NEW.organisation_id OR OLD.count IS NOT NEW.count
        OR OLD.deleted IS NOT NEW.deleted
    BEGIN
    {_apply("-", "OLD", "t.target_id", "FROM entry_target t WHERE t.entry_id = OLD.id AND OLD.deleted = 0")}
    {_drop_zeros("OLD", "SELECT target_id FROM entry_target WHERE entry_id = OLD.id")}
    {_apply("+", "NEW", "t.target_id", "FROM entry_target t WHERE t.entry_id = NEW.id AND NEW.deleted = 0")}
    END""",
    # an entry removed outright (the program leaves tombstones, but a row may still go)
    """CREATE TRIGGER tally_entry_delete BEFORE DELETE ON entry BEGIN
    DELETE FROM entry_target WHERE entry_id = OLD.id;
    END""",
)

_RECOUNT_TALLY = f"""
    SELECT e.fiscal_year, t.target_id, e.area, e.coordinator, {_month("e.date")} AS month,
           SUM(e.count), COUNT(*)
    FROM entry e JOIN entry_target t ON t.entry_id = e.id
    WHERE e.deleted = 0
    GROUP BY 1, 2, 3, 4, 5"""

_RECOUNT_ORG = f"""
    SELECT e.fiscal_year, t.target_id, e.organisation_id, e.area, e.coordinator,
           {_month("e.date")} AS month, COUNT(*)
    FROM entry e JOIN entry_target t ON t.entry_id = e.id
    WHERE e.deleted = 0 AND e.organisation_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6"""


# ---------------------------------------------------------------- schema version 3: roll-ups

ROLLUP_TABLES = (
    """CREATE TABLE tally_area (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        area INTEGER NOT NULL,
        total INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, area)
    ) WITHOUT ROWID""",
    """CREATE TABLE tally_month (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        month INTEGER NOT NULL,
        total INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, month)
    ) WITHOUT ROWID""",
    """CREATE TABLE tally_area_month (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        area INTEGER NOT NULL,
        month INTEGER NOT NULL,
        total INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, area, month)
    ) WITHOUT ROWID""",
    """CREATE TABLE tally_org_area (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        area INTEGER NOT NULL,
        organisation_id INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, area, organisation_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE tally_org_month (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        organisation_id INTEGER NOT NULL,
        month INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, organisation_id, month)
    ) WITHOUT ROWID""",
    """CREATE TABLE tally_orgs (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        area INTEGER NOT NULL,
        orgs INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, area)
    ) WITHOUT ROWID""",
    """CREATE TABLE tally_first (
        fiscal_year INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        first_month INTEGER NOT NULL,
        orgs INTEGER NOT NULL,
        PRIMARY KEY (fiscal_year, target_id, first_month)
    ) WITHOUT ROWID""",
)

_ROLLUP_KEYS = {
    "tally_area": "fiscal_year, target_id, area",
    "tally_month": "fiscal_year, target_id, month",
    "tally_area_month": "fiscal_year, target_id, area, month",
    "tally_org_area": "fiscal_year, target_id, area, organisation_id",
    "tally_org_month": "fiscal_year, target_id, organisation_id, month",
}


def _same_key(table: str, row: str) -> str:
    return " AND ".join(f"{c} = {row}.{c}" for c in _ROLLUP_KEYS[table].split(", "))


def _fm(month: str) -> str:
    return f"(({month} + 8) % 12)"  # fiscal month: 0 for April .. 11 for March


def _apply_rollups(sign: str, e: str, target: str, source: str) -> str:
    """Add (sign '+') or remove (sign '-') entry `e`'s contribution to the roll-ups."""
    month = _month(f"{e}.date")
    orgs = f"{source} AND {e}.organisation_id IS NOT NULL"
    return f"""
    INSERT INTO tally_area (fiscal_year, target_id, area, total, entries)
        SELECT {e}.fiscal_year, {target}, {e}.area, {sign}{e}.count, {sign}1 {source}
        ON CONFLICT (fiscal_year, target_id, area) DO UPDATE
            SET total = total + excluded.total, entries = entries + excluded.entries;
    INSERT INTO tally_month (fiscal_year, target_id, month, total, entries)
        SELECT {e}.fiscal_year, {target}, {month}, {sign}{e}.count, {sign}1 {source}
        ON CONFLICT (fiscal_year, target_id, month) DO UPDATE
            SET total = total + excluded.total, entries = entries + excluded.entries;
    INSERT INTO tally_area_month (fiscal_year, target_id, area, month, total, entries)
        SELECT {e}.fiscal_year, {target}, {e}.area, {month}, {sign}{e}.count, {sign}1 {source}
        ON CONFLICT (fiscal_year, target_id, area, month) DO UPDATE
            SET total = total + excluded.total, entries = entries + excluded.entries;
    INSERT INTO tally_org_area (fiscal_year, target_id, area, organisation_id, entries)
        SELECT {e}.fiscal_year, {target}, {e}.area, {e}.organisation_id, {sign}1 {orgs}
        ON CONFLICT (fiscal_year, target_id, area, organisation_id) DO UPDATE
            SET entries = entries + excluded.entries;
    INSERT INTO tally_org_month (fiscal_year, target_id, organisation_id, month, entries)
        SELECT {e}.fiscal_year, {target}, {e}.organisation_id, {month}, {sign}1 {orgs}
        ON CONFLICT (fiscal_year, target_id, organisation_id, month) DO UPDATE
            SET entries = entries + excluded.entries;"""


_OTHER_MONTHS = (
    "SELECT MIN({fm}) FROM tally_org_month WHERE fiscal_year = {r}.fiscal_year"
    " AND target_id = {r}.target_id AND organisation_id = {r}.organisation_id{extra}"
)


def _min_month(row: str, extra: str = "") -> str:
    """The org's first fiscal month among its tally_org_month rows (`extra`: a condition)."""
    return _OTHER_MONTHS.format(fm=_fm("month"), r=row, extra=extra)


def _first_add(row: str, first: str, sign: str) -> str:
    """Count one organisation more (sign '+') or less ('-') as first reached in `first`."""
    if sign == "+":
        return f"""
    INSERT INTO tally_first (fiscal_year, target_id, first_month, orgs)
        SELECT {row}.fiscal_year, {row}.target_id, {first}, 1 WHERE {{when}}
        ON CONFLICT (fiscal_year, target_id, first_month) DO UPDATE SET orgs = orgs + 1;"""
    return f"""
    UPDATE tally_first SET orgs = orgs - 1 WHERE fiscal_year = {row}.fiscal_year
        AND target_id = {row}.target_id AND first_month = {first} AND {{when}};
    DELETE FROM tally_first WHERE orgs = 0 AND fiscal_year = {row}.fiscal_year
        AND target_id = {row}.target_id;"""


_NEW_FM = _fm("NEW.month")
_OLD_FM = _fm("OLD.month")
_OTHERS_OF_NEW = f"({_min_month('NEW', ' AND month != NEW.month')})"
_REST_OF_OLD = f"({_min_month('OLD')})"

ROLLUP_TRIGGERS = (
    # the roll-ups follow the entries as tally / tally_org do (see TRIGGERS)
    f"""CREATE TRIGGER rollup_target_insert AFTER INSERT ON entry_target BEGIN
    {_apply_rollups("+", "e", "NEW.target_id", "FROM entry e WHERE e.id = NEW.entry_id AND e.deleted = 0")}
    END""",
    f"""CREATE TRIGGER rollup_target_delete AFTER DELETE ON entry_target BEGIN
    {_apply_rollups("-", "e", "OLD.target_id", "FROM entry e WHERE e.id = OLD.entry_id AND e.deleted = 0")}
    END""",
    f"""CREATE TRIGGER rollup_entry_update AFTER UPDATE OF
        date, fiscal_year, area, organisation_id, count, deleted ON entry
    WHEN OLD.date IS NOT NEW.date OR OLD.fiscal_year IS NOT NEW.fiscal_year
        OR OLD.area IS NOT NEW.area OR OLD.organisation_id IS NOT NEW.organisation_id
        OR OLD.count IS NOT NEW.count OR OLD.deleted IS NOT NEW.deleted
    BEGIN
    {_apply_rollups("-", "OLD", "t.target_id", "FROM entry_target t WHERE t.entry_id = OLD.id AND OLD.deleted = 0")}
    {_apply_rollups("+", "NEW", "t.target_id", "FROM entry_target t WHERE t.entry_id = NEW.id AND NEW.deleted = 0")}
    END""",
    # a row that comes down to zero entries goes (so rows mean 'some')
    *(
        f"""CREATE TRIGGER {table}_zero AFTER UPDATE OF entries ON {table}
    WHEN NEW.entries = 0 BEGIN
    DELETE FROM {table} WHERE {_same_key(table, "NEW")};
    END"""
        for table in _ROLLUP_KEYS
    ),
    # organisations by area: one per (target, area, organisation) row
    """CREATE TRIGGER tally_org_area_insert AFTER INSERT ON tally_org_area BEGIN
    INSERT INTO tally_orgs (fiscal_year, target_id, area, orgs)
        SELECT NEW.fiscal_year, NEW.target_id, NEW.area, 1 WHERE true
        ON CONFLICT (fiscal_year, target_id, area) DO UPDATE SET orgs = orgs + 1;
    END""",
    """CREATE TRIGGER tally_org_area_delete AFTER DELETE ON tally_org_area BEGIN
    UPDATE tally_orgs SET orgs = orgs - 1 WHERE fiscal_year = OLD.fiscal_year
        AND target_id = OLD.target_id AND area = OLD.area;
    DELETE FROM tally_orgs WHERE orgs = 0 AND fiscal_year = OLD.fiscal_year
        AND target_id = OLD.target_id AND area = OLD.area;
    END""",
    # first months: a new (organisation, month) row earlier than its others moves the
    # organisation's first month there; removing its first month moves it to the next one
    f"""CREATE TRIGGER tally_org_month_insert AFTER INSERT ON tally_org_month BEGIN
    {_first_add("NEW", _OTHERS_OF_NEW, "-").format(when=f"{_NEW_FM} < {_OTHERS_OF_NEW}")}
    {_first_add("NEW", _NEW_FM, "+").format(when=f"{_NEW_FM} < coalesce({_OTHERS_OF_NEW}, 12)")}
    END""",
    f"""CREATE TRIGGER tally_org_month_delete AFTER DELETE ON tally_org_month BEGIN
    {_first_add("OLD", _OLD_FM, "-").format(when=f"{_OLD_FM} < coalesce({_REST_OF_OLD}, 12)")}
    {_first_add("OLD", _REST_OF_OLD, "+").format(when=f"{_OLD_FM} < {_REST_OF_OLD}")}
    END""",
)

_ENTRIES = "FROM entry e JOIN entry_target t ON t.entry_id = e.id WHERE e.deleted = 0"
_WITH_ORG = f"{_ENTRIES} AND e.organisation_id IS NOT NULL"
_RECOUNT_ROLLUPS = {
    "tally_area": (
        "fiscal_year, target_id, area, total, entries",
        f"SELECT e.fiscal_year, t.target_id, e.area, SUM(e.count), COUNT(*) {_ENTRIES}"
        " GROUP BY 1, 2, 3",
    ),
    "tally_month": (
        "fiscal_year, target_id, month, total, entries",
        f"SELECT e.fiscal_year, t.target_id, {_month('e.date')}, SUM(e.count), COUNT(*)"
        f" {_ENTRIES} GROUP BY 1, 2, 3",
    ),
    "tally_area_month": (
        "fiscal_year, target_id, area, month, total, entries",
        f"SELECT e.fiscal_year, t.target_id, e.area, {_month('e.date')}, SUM(e.count), COUNT(*)"
        f" {_ENTRIES} GROUP BY 1, 2, 3, 4",
    ),
    "tally_org_area": (
        "fiscal_year, target_id, area, organisation_id, entries",
        f"SELECT e.fiscal_year, t.target_id, e.area, e.organisation_id, COUNT(*) {_WITH_ORG}"
        " GROUP BY 1, 2, 3, 4",
    ),
    "tally_org_month": (
        "fiscal_year, target_id, organisation_id, month, entries",
        f"SELECT e.fiscal_year, t.target_id, e.organisation_id, {_month('e.date')}, COUNT(*)"
        f" {_WITH_ORG} GROUP BY 1, 2, 3, 4",
    ),
    "tally_orgs": (
        "fiscal_year, target_id, area, orgs",
        "SELECT e.fiscal_year, t.target_id, e.area, COUNT(DISTINCT e.organisation_id)"
        f" {_WITH_ORG} GROUP BY 1, 2, 3",
    ),
    "tally_first": (
        "fiscal_year, target_id, first_month, orgs",
        "SELECT fiscal_year, target_id, first, COUNT(*) FROM (SELECT e.fiscal_year, t.target_id,"
        f" MIN({_fm(_month('e.date'))}) AS first {_WITH_ORG}"
        " GROUP BY e.fiscal_year, t.target_id, e.organisation_id) GROUP BY 1, 2, 3",
    ),
}


def create_rollups(db: SqliteDatabase) -> None:
    """Create the roll-up tables and their triggers (schema version 3), filled from entries."""
    for sql in (*ROLLUP_TABLES, *ROLLUP_TRIGGERS):
        db.execute_sql(sql)
    _rebuild_rollups(db)


def _rebuild_rollups(db: SqliteDatabase) -> None:
    for table in _RECOUNT_ROLLUPS:
        db.execute_sql(f"DELETE FROM {table}")
    # the organisation counts are filled by the triggers of the rows they count
    for table in _ROLLUP_KEYS:
        columns, select = _RECOUNT_ROLLUPS[table]
        db.execute_sql(f"INSERT INTO {table} ({columns}) {select}")


def create(db: SqliteDatabase) -> None:
    """Create the counter tables and their triggers (schema version 2), filled from entries."""
    for sql in (*TABLES, *TRIGGERS):
        db.execute_sql(sql)
    rebuild(db)


def rebuild(db: SqliteDatabase) -> None:
    """Recount every counter from the entries (call inside a transaction)."""
    db.execute_sql("DELETE FROM tally")
    db.execute_sql("DELETE FROM tally_org")
    db.execute_sql(f"INSERT INTO tally ({_TALLY_KEY}, total, entries) {_RECOUNT_TALLY}")
    db.execute_sql(f"INSERT INTO tally_org ({_ORG_KEY}, entries) {_RECOUNT_ORG}")
    if db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'tally_first'").fetchone():
        _rebuild_rollups(db)  # schema version 3 (absent while migrating from version 1)


def recount_queries() -> dict[str, tuple[str, str]]:
    """Each counter table: its columns, and the query that counts its rows from scratch (on
    either engine; store/pg.py fills a bulk-loaded office database with them)."""
    return {
        "tally": (f"{_TALLY_KEY}, total, entries", _portable(_RECOUNT_TALLY)),
        "tally_org": (f"{_ORG_KEY}, entries", _portable(_RECOUNT_ORG)),
        **{t: (columns, _portable(select)) for t, (columns, select) in _RECOUNT_ROLLUPS.items()},
    }


def recount(db: SqliteDatabase) -> dict[str, list[tuple]]:
    """Every counter table's rows as a count from scratch gives them, sorted: to check the
    kept ones against (on either engine)."""
    return {
        table: sorted(db.execute_sql(select).fetchall())
        for table, (_, select) in recount_queries().items()
    }


def _portable(sql: str) -> str:
    """A recount query (written for SQLite's migrations) that PostgreSQL also runs: months
    of a DATE, booleans, and a named subquery. SQLite reads it as before."""
    sql = sql.replace("substr(e.date, 6, 2)", "substr(CAST(e.date AS TEXT), 6, 2)")
    sql = sql.replace("e.deleted = 0", "e.deleted = FALSE")
    return sql.replace(
        "e.organisation_id) GROUP BY 1, 2, 3", "e.organisation_id) AS f GROUP BY 1, 2, 3"
    )


def kept(db: SqliteDatabase) -> dict[str, list[tuple]]:
    """Every counter table's rows as kept by the triggers, sorted like recount()."""
    out = {
        "tally": sorted(db.execute_sql(f"SELECT {_TALLY_KEY}, total, entries FROM tally")),
        "tally_org": sorted(db.execute_sql(f"SELECT {_ORG_KEY}, entries FROM tally_org")),
    }
    for table, (columns, _) in _RECOUNT_ROLLUPS.items():
        out[table] = sorted(db.execute_sql(f"SELECT {columns} FROM {table}").fetchall())
    return out


# Reads. Plain SQL on purpose: building these small queries through peewee cost more than
# running them (about 1.3 ms of a 2 ms progress_for), and a save recomputes them all.
#
# `until` (a day inside the year) leaves out entries dated after it: whole months before its
# month come from the counters, the days of its own month from the entries (one short index
# range), so a figure "as of today" stays exact and cheap.
_BY = {"area": "area", "month": "month", "coordinator": "coordinator", None: None}
_FISCAL_MONTH = "((month + 8) % 12)"  # 0 for April .. 11 for March


def _where(
    fiscal_year: int,
    area: int | None,
    coordinator: str | None,
    targets: list[str] | None,
    prefix: str = "",
) -> tuple[str, list]:
    sql = f"{prefix}fiscal_year = ?"
    params: list[object] = [fiscal_year]
    if targets is not None:
        sql += f" AND target_id IN ({', '.join('?' * len(targets))})"
        params += targets
    if area is not None:
        sql += f" AND {prefix}area = ?"
        params.append(area)
    if coordinator:
        sql += f" AND {prefix}coordinator = ?"
        params.append(coordinator)
    return sql, params


def _cut(db: SqliteDatabase, fiscal_year: int, until: dt.date | None) -> tuple[int, dt.date] | None:
    """(fiscal month index of `until`, first day of its month), or None for the whole year."""
    fy_start = dt.date(fiscal_year, 4, 1)
    fy_end = dt.date(fiscal_year + 1, 3, 31)
    if until is None or until >= fy_end:
        return None
    # Usual case, the figures as of today: nothing is dated later, so the whole year is the
    # answer (one probe of the (fiscal_year, deleted, date) index).
    later = db.execute_sql(
        "SELECT 1 FROM entry WHERE fiscal_year = ? AND deleted = FALSE AND date > ? LIMIT 1",
        (fiscal_year, until.isoformat()),
    ).fetchone()
    if later is None:
        return None
    if until < fy_start:
        return 0, fy_start  # nothing: no whole month, and an empty range of days
    return (until.month - 4) % 12, until.replace(day=1)


def whole_year(db: SqliteDatabase, fiscal_year: int, until: dt.date | None) -> bool:
    """True when the figures as of `until` are the whole year's (nothing is dated later)."""
    return _cut(db, fiscal_year, until) is None


def _rows(
    db: SqliteDatabase,
    table: str,
    columns: str,
    entry_columns: str,
    fiscal_year: int,
    area: int | None,
    coordinator: str | None,
    targets: list[str] | None,
    until: dt.date | None,
    extra: str = "",
) -> tuple[str, list]:
    """A FROM source of (target_id, ...) rows: the counters, or counters + a month of entries."""
    where, params = _where(fiscal_year, area, coordinator, targets)
    cut = _cut(db, fiscal_year, until)
    if cut is None:
        return f"(SELECT {columns} FROM {table} WHERE {where})", params
    index, first = cut
    e_where, e_params = _where(fiscal_year, area, coordinator, targets, prefix="e.")
    e_where = e_where.replace("target_id IN", "t.target_id IN")
    sql = (
        f"(SELECT {columns} FROM {table} WHERE {where} AND {_FISCAL_MONTH} < ?"
        f" UNION ALL SELECT {entry_columns} FROM entry e"
        " JOIN entry_target t ON t.entry_id = e.id"
        f" WHERE {e_where} AND e.deleted = FALSE AND e.date BETWEEN ? AND ?{extra})"
    )
    return sql, [*params, index, *e_params, first.isoformat(), until.isoformat()]  # type: ignore[union-attr]


def _read_month(date: str) -> str:
    """The month of a date column in a read, on either engine (PostgreSQL's is a DATE)."""
    return _month(f"CAST({date} AS TEXT)")


def _entry_col(col: str | None) -> str:
    month = _read_month("e.date")
    return {"area": "e.area", "month": month, "coordinator": "e.coordinator", None: ""}[col]


def sums(
    db: SqliteDatabase,
    fiscal_year: int,
    by: str,
    area: int | None = None,
    coordinator: str | None = None,
    until: dt.date | None = None,
) -> list[tuple]:
    """(target_id, area or month, summed counts) of live entries."""
    if not coordinator and (by == "area" or area is None) and _cut(db, fiscal_year, until) is None:
        # the usual case (the whole year, no coordinator): the roll-ups, a row per key
        table = "tally_area" if by == "area" else "tally_month"
        sql = f"SELECT target_id, {_BY[by]}, total FROM {table} WHERE fiscal_year = ?"
        params: list[object] = [fiscal_year]
        if area is not None:
            sql += " AND area = ?"
            params.append(area)
        return db.execute_sql(f"{sql} ORDER BY target_id, {_BY[by]}", params).fetchall()
    return grouped_sums(db, fiscal_year, (by,), None, area, coordinator, until)


def _targets(targets: list[str] | None) -> tuple[str, list]:
    if targets is None:
        return "", []
    return f" AND target_id IN ({', '.join('?' * len(targets))})", list(targets)


def distinct_orgs(
    db: SqliteDatabase,
    fiscal_year: int,
    by: str | None,
    area: int | None = None,
    coordinator: str | None = None,
    targets: list[str] | None = None,
    until: dt.date | None = None,
) -> list[tuple]:
    """(target_id, [area or month,] distinct organisations) of live entries."""
    col = _BY[by]
    whole = _cut(db, fiscal_year, until) is None
    if whole and not coordinator and by in ("area", None):
        # the usual case: organisations counted by the roll-ups' triggers
        in_targets, t_params = _targets(targets)
        if by is None and area is None:
            sql = (
                "SELECT target_id, SUM(orgs) FROM tally_first WHERE fiscal_year = ?"
                f"{in_targets} GROUP BY target_id ORDER BY target_id"
            )
            return db.execute_sql(sql, [fiscal_year, *t_params]).fetchall()
        keys = "target_id, area" if by else "target_id"
        sql = f"SELECT {keys}, orgs FROM tally_orgs WHERE fiscal_year = ?{in_targets}"
        params = [fiscal_year, *t_params]
        if area is not None:
            sql += " AND area = ?"
            params.append(area)
        return db.execute_sql(f"{sql} ORDER BY target_id, area", params).fetchall()
    if whole:
        # the whole year: straight from the counters, along their indexes
        where, params = _where(fiscal_year, area, coordinator, targets)
        keys = f"target_id, {col}" if col else "target_id"
        sql = (
            f"SELECT {keys}, COUNT(DISTINCT organisation_id) FROM tally_org WHERE {where}"
            f" GROUP BY {keys}"
        )
        return db.execute_sql(sql, params).fetchall()
    k = f", {col} AS k" if col else ""
    ek = f", {_entry_col(col)} AS k" if col else ""
    source, params = _rows(
        db,
        "tally_org",
        f"target_id{k}, organisation_id",
        f"t.target_id{ek}, e.organisation_id",
        fiscal_year,
        area,
        coordinator,
        targets,
        until,
        extra=" AND e.organisation_id IS NOT NULL",
    )
    keys = "target_id, k" if col else "target_id"
    sql = f"SELECT {keys}, COUNT(DISTINCT organisation_id) FROM {source} AS s GROUP BY {keys}"
    return db.execute_sql(sql, params).fetchall()


def grouped_sums(
    db: SqliteDatabase,
    fiscal_year: int,
    keys: tuple[str, ...],
    targets: list[str] | None = None,
    area: int | None = None,
    coordinator: str | None = None,
    until: dt.date | None = None,
) -> list[tuple]:
    """(target_id, *keys, summed counts) of live entries; keys among area, month, coordinator."""
    if keys == ("area", "month") and not coordinator and _cut(db, fiscal_year, until) is None:
        in_targets, t_params = _targets(targets)
        sql = "SELECT target_id, area, month, total FROM tally_area_month WHERE fiscal_year = ?"
        sql += in_targets
        params: list[object] = [fiscal_year, *t_params]
        if area is not None:
            sql += " AND area = ?"
            params.append(area)
        return db.execute_sql(f"{sql} ORDER BY 1, 2, 3", params).fetchall()
    names = ", ".join(f"k{i}" for i in range(len(keys)))
    cols = ", ".join(f"{_BY[k]} AS k{i}" for i, k in enumerate(keys))
    e_cols = ", ".join(f"{_entry_col(k)} AS k{i}" for i, k in enumerate(keys))
    source, params = _rows(
        db,
        "tally",
        f"target_id, {cols}, total",
        f"t.target_id, {e_cols}, e.count",
        fiscal_year,
        area,
        coordinator,
        targets,
        until,
    )
    sql = f"SELECT target_id, {names}, SUM(total) FROM {source} AS s GROUP BY target_id, {names}"
    return db.execute_sql(sql, params).fetchall()


def first_months(
    db: SqliteDatabase,
    fiscal_year: int,
    targets: list[str],
    area: int | None = None,
    coordinator: str | None = None,
    until: dt.date | None = None,
) -> list[tuple[str, int, int]]:
    """(target_id, fiscal month 0 = April .. 11 = March, organisations first reached then)."""
    if not coordinator and area is None and _cut(db, fiscal_year, until) is None:
        in_targets, t_params = _targets(targets)
        sql = (
            "SELECT target_id, first_month, orgs FROM tally_first WHERE fiscal_year = ?"
            f"{in_targets} ORDER BY target_id, first_month"
        )
        return db.execute_sql(sql, [fiscal_year, *t_params]).fetchall()
    source, params = _rows(
        db,
        "tally_org",
        f"target_id, organisation_id, {_FISCAL_MONTH} AS fm",
        f"t.target_id, e.organisation_id, ({_read_month('e.date')} + 8) % 12 AS fm",
        fiscal_year,
        area,
        coordinator,
        targets,
        until,
        extra=" AND e.organisation_id IS NOT NULL",
    )
    sql = (
        "SELECT target_id, first, COUNT(*) FROM (SELECT target_id, organisation_id,"
        f" MIN(fm) AS first FROM {source} AS s GROUP BY target_id, organisation_id) AS f"
        " GROUP BY target_id, first"
    )
    return db.execute_sql(sql, params).fetchall()


def coordinators(db: SqliteDatabase, fiscal_year: int, until: dt.date | None = None) -> list[str]:
    """The coordinator names on the year's live entries ('' for entries without one)."""
    source, params = _rows(
        db, "tally", "coordinator", "e.coordinator", fiscal_year, None, None, None, until
    )
    return sorted(
        {c or "" for (c,) in db.execute_sql(f"SELECT DISTINCT * FROM {source} AS s", params)}
    )
