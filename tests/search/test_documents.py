"""A search document's fields are listed once per spelling: the API's (content.ContentFields,
extended by SearchDocument) and the service's (DocumentRecord, extended by IndexedDocument,
SearchHit and PageRow). The two lists name the same fields, and the records that extend
DocumentRecord build one another from it."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from mediamesh.content import ContentFields
from mediamesh.search.documents import (
    DocumentRecord,
    IndexedDocument,
    SearchDocument,
    SearchDocumentFields,
    api_name,
)
from mediamesh.search.models import SearchHit
from mediamesh.search.postgres.repository import PageRow


def test_the_api_document_and_the_stored_one_have_the_same_fields() -> None:
    stored = [api_name(f.name) for f in fields(IndexedDocument)]
    assert sorted(stored) == sorted(SearchDocument.model_fields)
    assert stored[0] == "contentId" and stored[-1] == "updatedAt"


def test_the_api_fields_keep_their_order() -> None:
    # the order of the OpenAPI schema's properties and of a 422's errors
    assert list(SearchDocumentFields.model_fields) == [*ContentFields.model_fields, "updatedAt"]
    assert list(ContentFields.model_fields) == [
        "contentType",
        "title",
        "description",
        "category",
        "language",
        "tags",
    ]


def test_api_name_is_camel_case() -> None:
    assert [api_name(n) for n in ("content_id", "title", "updated_at")] == [
        "contentId",
        "title",
        "updatedAt",
    ]


def test_a_hit_is_built_from_any_record_of_the_document() -> None:
    shared = {
        "content_id": "c1",
        "content_type": "EPISODE",
        "title": "Pilot",
        "description": "",
        "category": None,
        "language": "en",
        "tags": ["a"],
    }
    row = PageRow(
        **shared, score=0.5, title_norm="pilot", title_marked=None, description_marked=None
    )
    indexed = IndexedDocument(**shared, updated_at=datetime(2024, 1, 16, tzinfo=UTC))
    for record in (row, indexed, DocumentRecord(**shared)):
        hit = SearchHit.of(record, score=1.0, highlights={"title": "Pilot"})
        assert hit == SearchHit(**shared, score=1.0, highlights={"title": "Pilot"})
    assert [f.name for f in fields(SearchHit)] == [*shared, "score", "highlights", "matched_by"]
