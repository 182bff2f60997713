"""Validated plans kept between starts, so that a start needs neither TOML nor pydantic.

A plan is cached under a digest of its file's bytes and of the model code that validated it:
an edited plan or a changed program is validated again. The cache is only ever a shortcut;
anything odd about it (missing, unreadable, another shape) means "validate the file".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from chofu_tui.paths import cache_dir, make_private_dir
from chofu_tui.plan import models
from chofu_tui.plan.models import Plan

_MODEL_DIGEST: str | None = None


def _key(content: bytes) -> str:
    global _MODEL_DIGEST
    if _MODEL_DIGEST is None:
        _MODEL_DIGEST = hashlib.sha256(Path(models.__file__).read_bytes()).hexdigest()
    return hashlib.sha256(_MODEL_DIGEST.encode() + content).hexdigest()[:32]


def _path(content: bytes) -> Path:
    return cache_dir() / "plans" / f"{_key(content)}.pickle"


def load(content: bytes) -> Plan | None:
    try:
        with _path(content).open("rb") as f:
            plan = pickle.load(f)
    except Exception:  # a cache that cannot be read is no cache
        return None
    return plan if isinstance(plan, Plan) else None


def store(content: bytes, plan: Plan) -> None:
    path = _path(content)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        make_private_dir(path.parent)
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(plan, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
