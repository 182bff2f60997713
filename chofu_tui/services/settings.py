"""Who I am and my area, kept in the store so every start remembers them."""

from __future__ import annotations

from dataclasses import dataclass

from chofu_tui.store.models import Setting, database


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
    with database.atomic():
        for key, value in (("coordinator", settings.coordinator), ("area", settings.area)):
            if value in (None, ""):
                Setting.delete().where(Setting.key == key).execute()
            else:
                Setting.replace(key=key, value=str(value)).execute()
