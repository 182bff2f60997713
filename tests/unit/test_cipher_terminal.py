"""The passphrase asked on a terminal (issue 14), in a real pseudo-terminal: masked (not
echoed), `encrypt` asks twice, `merge` names the source file it asks for."""

from __future__ import annotations

import os
import select
import sys
import time
from pathlib import Path

import pytest

from chofu_tui.store import cipher
from tests.unit.conftest import CLI

pty = pytest.importorskip("pty")

PASSPHRASE = "terminal passphrase"


class Terminal:
    """A command run on a pseudo-terminal (its controlling terminal: getpass reads it)."""

    def __init__(self, *argv: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.endswith("PASSPHRASE")}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.execve(sys.executable, [sys.executable, "-m", "chofu_tui", *argv], env)
        self.seen = b""

    def expect(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} not shown; screen: {self.text()!r}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"{text!r} not shown before exit; screen: {self.text()!r}"
                self.seen += chunk

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                self.seen += chunk
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        raise AssertionError(f"still running; screen: {self.text()!r}")

    def text(self) -> str:
        return self.seen.decode("utf-8", "replace")


@pytest.fixture
def store(cli: CLI, db_path: Path) -> Path:
    code, _, err = cli("add", "awareness", "--area", "2", "--note", "端末のメモ")
    assert code == 0, err
    return db_path


def test_encrypt_asks_twice_masked_and_a_mismatch_changes_nothing(store: Path) -> None:
    before = store.read_bytes()
    term = Terminal("--db", str(store), "encrypt")
    term.expect("新しいパスフレーズ")
    term.type(PASSPHRASE)
    term.expect("もう一度")
    term.type(PASSPHRASE + "x")
    assert term.finish() == 2
    assert "一致しません" in term.text() and PASSPHRASE not in term.text()
    assert store.read_bytes() == before

    term = Terminal("--db", str(store), "encrypt")
    term.expect("新しいパスフレーズ")
    term.type(PASSPHRASE)
    term.expect("もう一度")
    term.type(PASSPHRASE)
    assert term.finish() == 0, term.text()
    assert "暗号化しました" in term.text() and PASSPHRASE not in term.text()
    assert cipher.is_encrypted(store)

    term = Terminal("--db", str(store), "log")  # a command asks once, naming the file
    term.expect(f"{store} のパスフレーズ")
    term.type(PASSPHRASE)
    assert term.finish() == 0, term.text()
    assert "端末のメモ" in term.text() and PASSPHRASE not in term.text()


def test_merge_asks_the_sources_passphrase_naming_it(store: Path, cli: CLI, tmp_path: Path) -> None:
    source = tmp_path / "laptop3.db"
    code, _, err = cli("--db", str(source), "add", "awareness", "--area", "3", "--note", "三台目")
    assert code == 0, err
    cipher.encrypt_file(source, "the source's own passphrase")
    term = Terminal("--db", str(store), "merge", str(source))
    term.expect(f"{source} のパスフレーズ")
    term.type("the source's own passphrase")
    assert term.finish() == 0, term.text()
    assert "新規 1 件" in term.text()
