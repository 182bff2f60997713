"""Every check the project keeps, in the order a failure is cheapest to read:
lint, format, types, import contracts, then the tests (arguments go to pytest).

The README's test command and .ci/run call this: `python tests/check.py`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtual environment's tools

STEPS: list[tuple[str, list[str]]] = [
    ("ruff check", [sys.executable, "-m", "ruff", "check", "."]),
    ("ruff format --check", [sys.executable, "-m", "ruff", "format", "--check", "."]),
    ("mypy", [sys.executable, "-m", "mypy"]),
    ("import contracts", [str(BIN / "lint-imports")]),
]


def main(pytest_args: list[str]) -> int:
    for name, command in STEPS:
        print(f"== {name}", flush=True)
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            print(f"== {name}: failed", file=sys.stderr)
            return 1
    print("== pytest", flush=True)
    return subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
