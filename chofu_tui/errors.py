"""Errors a user can cause: shown as one clear line, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input (exit code 2). `message` is Japanese; `english` goes beside it on the CLI."""

    exit_code = 2

    def __init__(self, message: str, english: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.english = english

    def __str__(self) -> str:
        return f"{self.message} ({self.english})" if self.english else self.message


class StoreError(UserError):
    """The database cannot be used as it is (newer schema, damaged file, locked)."""
