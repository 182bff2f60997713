"""Starting the terminal app (kept apart so the command line never imports Textual)."""

from __future__ import annotations

from pathlib import Path


def run_app(db: Path | str | None = None, demo: bool = False) -> int:
    """`db`: a path or a URL (--db: a SQLite file or postgresql://…); None: CHOFU_TUI_DB or
    the data folder's store."""
    from chofu_tui.app import make_app

    app = make_app(db_path=db, demo=demo)
    app.run()
    return int(app.return_code or 0)
