"""Starting the terminal app (kept apart so the command line never imports Textual)."""

from __future__ import annotations

from pathlib import Path


def run_app(db_path: Path | None = None, demo: bool = False) -> int:
    from chofu_tui.app import make_app

    app = make_app(db_path=db_path, demo=demo)
    app.run()
    return int(app.return_code or 0)
