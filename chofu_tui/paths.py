"""Where things live: the user's data directory (XDG on Linux) unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path

APP_NAME = "chofu-tui"
DB_ENV = "CHOFU_TUI_DB"
PLAN_DIR_ENV = "CHOFU_TUI_PLAN_DIR"
CACHE_DIR_ENV = "CHOFU_TUI_CACHE_DIR"


def data_dir() -> Path:
    return user_data_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """Things that can be thrown away and remade (validated plans)."""
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env).expanduser() if env else user_cache_path(APP_NAME, appauthor=False)


def user_plan_dir() -> Path:
    """Plans the user made (`plan new`); they override bundled plans of the same year."""
    env = os.environ.get(PLAN_DIR_ENV)
    return Path(env).expanduser() if env else user_config_path(APP_NAME, appauthor=False) / "plans"


def bundled_plan_dir() -> Path:
    """The plans shipped with the program: inside the wheel, or `schema/` in a checkout."""
    packaged = Path(__file__).parent / "schema"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schema"


def make_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
