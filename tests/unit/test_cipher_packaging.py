"""SQLCipher comes with chofu-tui (issue 14): one package per platform, never both (they
publish the same module, sqlcipher3)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("platform", "machine", "expected"),
    [
        ("linux", "x86_64", {"sqlcipher3-binary"}),
        ("win32", "AMD64", {"sqlcipher3-wheels"}),
        ("darwin", "arm64", {"sqlcipher3-wheels"}),
        ("darwin", "x86_64", {"sqlcipher3-wheels"}),
    ],
)
def test_exactly_one_sqlcipher_package_per_platform(
    platform: str, machine: str, expected: set[str]
) -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    env = {**default_environment(), "sys_platform": platform, "platform_machine": machine}
    chosen = {
        r.name
        for r in map(Requirement, deps)
        if r.name.startswith("sqlcipher3") and (r.marker is None or r.marker.evaluate(env))
    }
    assert chosen == expected
