"""Search documents: the guide's item fields, as the indexing API accepts them
(SearchDocument: content.ContentFields and updatedAt) and as the service holds them
(DocumentRecord, extended by IndexedDocument here, SearchHit in models.py and
postgres/repository.py's PageRow). Pure data, no I/O.

The two are one list of fields in two spellings, camelCase and snake_case (`api_name`);
tests/search/test_documents.py checks that they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime

from mediamesh.content import ContentFields, ContentId
from mediamesh.errors import InvalidValue

MAX_BATCH_DOCUMENTS = 500


class SearchDocumentFields(ContentFields):
    """The body of PUT /v1/search/index/{contentId}; `indexedAt` and `ttl` are ours to set."""

    # the writer's clock, with a zone (a naive time would be read in the server's zone);
    # default: when the service received it
    updatedAt: AwareDatetime | None = None


class SearchDocument(SearchDocumentFields):
    contentId: ContentId


def refuse_future_updates(
    documents: Sequence[SearchDocument], now: datetime, max_skew: timedelta
) -> None:
    """Raise InvalidValue (422) naming the first document whose updatedAt is more than
    `max_skew` ahead of `now` (the server clock). Such a version would win over every later
    update until that time came (an older updatedAt never overwrites a newer one), so a
    writer's clock in 2099 would freeze the document: refused, it changes nothing."""
    for index, doc in enumerate(documents):
        if doc.updatedAt is not None and doc.updatedAt > now + max_skew:
            which = f"contentId {doc.contentId!r}"
            if len(documents) > 1:
                which = f"documents[{index}] ({which})"
            raise InvalidValue(
                f"{which}: updatedAt "
                f"{doc.updatedAt.isoformat()} is in the future (more than "
                f"{max_skew.total_seconds():.0f} s ahead of the server clock, "
                f"{now.isoformat(timespec='seconds')}): send the time of the change, "
                "or leave updatedAt out to have the server stamp it"
            )


@dataclass(frozen=True)
class DocumentRecord:
    """A document's fields as PostgreSQL and DynamoDB hold them and a search answers them:
    the one list every record of a document extends (SearchDocument's, in snake_case, less
    the writer's updatedAt, which only IndexedDocument carries)."""

    content_id: str
    content_type: str
    title: str
    description: str
    category: str | None
    language: str | None
    tags: list[str]

    def document_fields(self) -> dict[str, Any]:
        """The DocumentRecord fields by name (only those, when a subclass adds more), to
        build another record of the same document: `SearchHit(**row.document_fields(), ...)`."""
        return {f.name: getattr(self, f.name) for f in fields(DocumentRecord)}


@dataclass(frozen=True)
class IndexedDocument(DocumentRecord):
    """A live search document as PostgreSQL holds it (a search_documents row)."""

    updated_at: datetime


def api_name(name: str) -> str:
    """The API's (camelCase) name of a record field: content_id → contentId."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)
