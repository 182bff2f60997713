"""A bounded crash test on an encrypted store (issue 14): `add` processes killed (SIGKILL) at
random moments, then every acknowledged entry is there and the store passes integrity_check."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chofu_tui.store import cipher
from tests.unit.conftest import CLI

PASSPHRASE = "crash test passphrase"
KILLS = 24


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_killed_saves_on_an_encrypted_store_lose_nothing_acknowledged(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("add", "awareness", "--area", "1", "--note", "start")[0] == 0
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, PASSPHRASE)
    assert cli("encrypt")[0] == 0
    env = {**os.environ, cipher.PASSPHRASE_ENV: PASSPHRASE}

    def add(note: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "chofu_tui", "--db", str(db_path), "add", "awareness",
             "--area", "1", "--note", note],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip

    # How long one save takes here (start-up, key derivation, write): kills land inside it.
    started = time.monotonic()
    first = add("timing")
    assert first.wait(timeout=60) == 0
    span = time.monotonic() - started
    acknowledged = {"start", "timing"}
    killed = 0
    rng = random.Random(1414)
    for i in range(KILLS):
        note = f"crash-{i}"
        proc = add(note)
        time.sleep(rng.uniform(0.2, 1.1) * span)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        if proc.returncode == 0 and out.strip():  # it said the entry was saved
            acknowledged.add(note)
        else:
            killed += 1
    assert killed > 0  # the test killed something

    con = cipher.connect_file(db_path, PASSPHRASE)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        notes = {r[0] for r in con.execute("SELECT note FROM entry")}
    finally:
        con.close()
    assert acknowledged <= notes
    assert cipher.is_encrypted(db_path)
