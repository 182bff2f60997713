"""A throwaway PostgreSQL cluster for the tests and the benchmark: initdb in a mkdtemp folder,
started on a Unix socket in that folder only (no TCP port), stopped and removed at the end.

As root the server runs as the `postgres` user (it refuses to run as root), in a folder given
to that user (pytest's own tmp folder is closed to it); otherwise as the current user."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REQUIRED_ENV = "CHOFU_TUI_PG_REQUIRED"
BIN_ENV = "CHOFU_TUI_PG_BIN"
BIN_DIRS = ("/usr/local/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
            "/usr/lib/postgresql/15/bin")  # fmt: skip
HOW_TO_ENABLE = (
    "PostgreSQL のテストには initdb と pg_ctl が要ります: Debian/Ubuntu なら "
    "`apt-get install postgresql` (PATH か /usr/lib/postgresql/<版>/bin、"
    f"または {BIN_ENV} に書いたフォルダーから探します)。"
    f"CI では {REQUIRED_ENV}=1 で、見つからないときは失敗にします"
)


def find_bin() -> Path | None:
    """The folder holding initdb, pg_ctl and createdb, or None. CHOFU_TUI_PG_BIN names it
    (a PostgreSQL installed elsewhere); otherwise PATH, then Debian's folders."""
    given = os.environ.get(BIN_ENV)
    found = shutil.which("initdb")
    dirs = [given] if given else [*([str(Path(found).parent)] if found else []), *BIN_DIRS]
    for d in dirs:
        if all((Path(d) / tool).exists() for tool in ("initdb", "pg_ctl", "createdb")):
            return Path(d)
    return None


def required() -> bool:
    return os.environ.get(REQUIRED_ENV, "") not in ("", "0")


@dataclass
class Cluster:
    bin: Path
    root: Path  # the mkdtemp folder: data/ and the socket
    user: str | None  # run the tools as this user (root's case), else as ourselves
    fsync: bool = False  # the tests need no durability; the benchmark measures real commits

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / tool), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, cwd=self.root)

    def url(self, dbname: str, user: str = "postgres", password: str | None = None) -> str:
        who = f"{user}:{password}" if password is not None else user
        return f"postgresql://{who}@/{dbname}?host={self.socket_dir}"

    def createdb(self, name: str) -> str:
        self.run("createdb", "-h", str(self.socket_dir), "-U", "postgres", name)
        return self.url(name)

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        psql = self.bin / "psql"
        cmd = [str(psql), "-h", str(self.socket_dir), "-U", "postgres", "-d", dbname,
               "-v", "ON_ERROR_STOP=1", "-Atc", sql]  # fmt: skip
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def start(self) -> None:
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "start",
            "-o", f"-k {self.socket_dir} -c listen_addresses=''"
            + ("" if self.fsync else " -c fsync=off"),
        )  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)


def make_cluster(bin_dir: Path, *, fsync: bool = False) -> Cluster:
    root = Path(tempfile.mkdtemp(prefix="chofu-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        shutil.chown(root, user, user)
    cluster = Cluster(bin_dir, root, user, fsync)
    # -U postgres: the superuser is called postgres whoever runs it (the URL names it)
    cluster.run("initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
    # the superuser without a password (the tests' own URL); every other role with one, so
    # a wrong password is refused as on an office server
    hba = "local all postgres trust\nlocal all all scram-sha-256\n"
    (cluster.data / "pg_hba.conf").write_text(hba)
    cluster.start()
    return cluster


def remove(cluster: Cluster) -> None:
    cluster.stop()
    shutil.rmtree(cluster.root, ignore_errors=True)
