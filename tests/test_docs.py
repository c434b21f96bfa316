"""The docs stay true: every setting is documented, and the table specs in the docs are the
ones provisioning uses."""

from __future__ import annotations

from pathlib import Path

from mediamesh.settings import Settings, load_settings
from mediamesh.storage.dynamodb.tables import describe_markdown, tables_from_settings

DOCS = Path(__file__).resolve().parents[1] / "docs"
ROOT = DOCS.parent


def test_every_setting_is_documented() -> None:
    text = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in text]
    assert missing == []


def test_table_specs_in_the_docs_are_the_provisioned_ones() -> None:
    expected = describe_markdown(tables_from_settings(load_settings({})))
    assert expected in (DOCS / "DYNAMODB_TABLES.md").read_text()
    assert expected in (ROOT / "README.md").read_text()
