"""Who I am and my area, kept in the store so every start remembers them."""

from __future__ import annotations

from dataclasses import dataclass

from chofu_tui.store.models import Entry, Setting, database


@dataclass(frozen=True)
class UserSettings:
    coordinator: str = ""
    area: int | None = None


def load() -> UserSettings:
    rows = {
        s.key: s.value for s in Setting.select().where(Setting.key.in_(["coordinator", "area"]))
    }
    area = rows.get("area")
    return UserSettings(rows.get("coordinator", ""), int(area) if area else None)


def save(settings: UserSettings) -> None:
    """Store the settings. The name is cleaned as the command line cleans it (NFKC, spaces
    folded, no control characters, at most 40 characters). A name typed as blank, or a stored
    name cleared, is refused: entries would be credited to nobody."""
    from chofu_tui.services import entries

    name = settings.coordinator
    if name or load().coordinator:
        name = entries.coordinator_name(name)
    with database.atomic():
        for key, value in (("coordinator", name), ("area", settings.area)):
            if value in (None, ""):
                Setting.delete().where(Setting.key == key).execute()
            else:
                Setting.replace(key=key, value=str(value)).execute()


def default_coordinator() -> str:
    """The 記録者 a new entry starts with: the settings' name, else the name on the latest entry
    logged on this computer (a merge brings other people's entries), else ""."""
    from chofu_tui.services import entries

    if name := load().coordinator:
        return name
    device = Setting.get_or_none(Setting.key == "device_id")
    latest = (
        Entry.select(Entry.coordinator)
        .where(
            (Entry.coordinator != "")
            & (Entry.device_id == (device.value if device else ""))
            & (Entry.deleted == False)  # noqa: E712 - peewee expression
        )
        .order_by(Entry.created_at.desc(), Entry.id.desc())
        .first()
    )
    # cleaned: a row stored before today's rules may carry control characters
    return entries.clean_name(latest.coordinator) if latest else ""


SCOPES = ("all", "area", "coordinator")  # 全体, 担当圏域, 記録者: what the dashboard counts
SCOPE_LABELS = {"all": "全体", "area": "担当圏域", "coordinator": "記録者"}


def load_scope() -> str:
    """The scope last shown on the dashboard (全体 the first time)."""
    row = Setting.get_or_none(Setting.key == "scope")
    return row.value if row is not None and row.value in SCOPES else "all"


def save_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(scope)
    Setting.replace(key="scope", value=scope).execute()


def scope_filter(scope: str, settings: UserSettings) -> tuple[int | None, str | None, str | None]:
    """(area, coordinator, why not) for a scope: 担当圏域 needs the settings' area, 記録者 the
    settings' name; a scope that cannot apply gives (None, None, the reason)."""
    if scope == "area":
        if settings.area is None:
            return None, None, "担当圏域を表示するには、設定 (s) で圏域を選んでください"
        return settings.area, None, None
    if scope == "coordinator":
        if not settings.coordinator:
            return None, None, "記録者ごとに表示するには、設定 (s) で名前を入れてください"
        return None, settings.coordinator, None
    return None, None, None
