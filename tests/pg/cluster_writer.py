"""Another program writing to the same database, on its own connection (a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys


def add_elsewhere(url: str) -> None:
    env = {**os.environ, "CHOFU_TUI_DB": url}
    subprocess.run(
        [sys.executable, "-m", "chofu_tui", "add", "啓発", "--count", "3", "--area", "1",
         "--coordinator", "青木"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
