"""The start-up benchmark's driver: the app, run from outside, that exits as soon as the
dashboard has drawn the year's figures (the production app has no benchmark hook).

    python tests/perf/first_figures.py DB_PATH    (CHOFU_TUI_* variables as for the app)
"""

from __future__ import annotations

import sys
from pathlib import Path

from chofu_tui import app as app_module
from chofu_tui.app import ChofuApp
from chofu_tui.context import Context
from chofu_tui.screens.base import YearShown


class FirstFigures(ChofuApp):
    """ChofuApp that leaves once a screen has put the first loaded figures on screen."""

    # Textual reads CSS_PATH beside the module of the class: the app's own, not this file's.
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def on_year_shown(self, message: YearShown) -> None:
        self.exit()


def first_figures_app(db_path: Path) -> FirstFigures:
    return FirstFigures(Context.open(db_path))


def main(argv: list[str]) -> int:
    app = first_figures_app(Path(argv[0]))
    app.run(headless=True, size=(120, 40))
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
