"""Use cases (no Textual here): log an entry, compute progress and pace, merge, report."""
