"""`mediamesh reindex` (issue 4)."""

from __future__ import annotations

from mediamesh.cli.runtime import fail


def reindex() -> None:
    """Rebuild the DynamoDB search index from PostgreSQL."""
    fail("not implemented yet")
