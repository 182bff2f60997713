"""A bounded crash test (issue 14): `add` processes killed (SIGKILL) at random moments, some
while another one saves, some while one makes the day's backup, on a plain store. Every save
that was reported (exit 0) is there, nothing is half there, the store passes integrity_check,
and every backup left is whole."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chofu_tui.store.backups import folder_for
from tests.unit.conftest import CLI

KILLS = 36  # processes killed; as many more run to the end
IN_FLIGHT = 3  # at once: a kill may land while another process holds the write lock


def _add(i: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    argv = ["add", "awareness", "--area", "1", "--date", "2024-05-01", "--note", f"crash-{i}"]
    return subprocess.Popen(
        [sys.executable, "-m", "chofu_tui", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killed_saves_lose_no_reported_entry_and_leave_a_sound_store(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("add", "awareness", "--area", "1", "--date", "2024-05-01")[0] == 0
    env = dict(os.environ)
    rng = random.Random(14)
    # a run takes ~0.2 s alone (more on a busy machine): kill anywhere in its life
    started = time.monotonic()
    durations: list[float] = []
    reported: dict[str, str] = {}  # uuid -> note of every add that exited 0
    killed = finished = 0
    i = 0
    while killed < KILLS:
        # a new day for each batch: its first process makes that day's backup (killed or not)
        env["CHOFU_TUI_TODAY"] = f"2024-{10 + i // 90}-{1 + i // IN_FLIGHT % 30:02d}"
        batch = [(_add(i + k, env), rng.random() < 0.5, i + k) for k in range(IN_FLIGHT)]
        i += IN_FLIGHT
        typical = sorted(durations)[len(durations) // 2] if durations else 0.3
        t0 = time.monotonic()
        for proc, kill, _ in batch:
            if kill:
                time.sleep(max(0.0, t0 + rng.uniform(0.0, typical * 1.2) - time.monotonic()))
                proc.send_signal(signal.SIGKILL)
                killed += 1
        for proc, kill, n in batch:
            out, err = proc.communicate(timeout=60)
            if proc.returncode == 0:
                reported[out.decode().split()[0]] = f"crash-{n}"
                finished += 1
                if not kill:
                    durations.append(time.monotonic() - t0)
            else:
                assert kill, err.decode()  # only a killed process may fail
        assert time.monotonic() - started < 120, "the crash test is too slow"
    assert finished >= 10 and killed >= KILLS

    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = dict(con.execute("SELECT uuid, note FROM entry"))
        for uuid, note in reported.items():
            assert rows.get(uuid) == note, f"reported save {uuid} ({note}) is lost"
        # nothing half saved: every entry credits its target, and the counters agree
        bare = con.execute(
            "SELECT count(*) FROM entry WHERE id NOT IN (SELECT entry_id FROM entry_target)"
        ).fetchone()[0]
        assert bare == 0
        counted = con.execute(
            "SELECT coalesce(sum(e.count), 0) FROM entry e JOIN entry_target t ON t.entry_id = e.id"
            " WHERE t.target_id = 'awareness' AND e.deleted = 0"
        ).fetchone()[0]
        tallied = con.execute(
            "SELECT coalesce(sum(total), 0) FROM tally WHERE target_id = 'awareness'"
        ).fetchone()[0]
        assert counted == tallied
    finally:
        con.close()
    assert cli("add", "awareness", "--area", "1", "--date", "2024-05-01")[0] == 0
    folder = folder_for(db_path)
    made = list(folder.glob("*.db"))
    assert len(made) >= 10
    for backup in made:
        con = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)], backup
        finally:
            con.close()
    # the next backup removes what killed ones left (temporary copies hold every note)
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-12-31")
    assert cli("add", "awareness", "--area", "1", "--date", "2024-05-01")[0] == 0
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [".lock"]
