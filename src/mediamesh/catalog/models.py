"""Catalog items as the API and `mediamesh load` accept them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mediamesh.content import ContentFields, ContentId, ContentKind, ContentType

MAX_BATCH_ITEMS = 500


class Status(StrEnum):
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class _ProgramLink(ContentKind):
    """An episode's program, right after contentType (hence a base of its own: ContentKind)."""

    programId: ContentId | None = None


class CatalogItemFields(ContentFields, _ProgramLink):
    """The body of PUT /v1/catalog/items/{contentId}."""

    publishedAt: datetime | None = None
    status: Status = Status.PUBLISHED

    @model_validator(mode="after")
    def _episode_has_program(self) -> Self:
        if self.contentType is ContentType.EPISODE and not self.programId:
            raise ValueError("an EPISODE needs programId, the contentId of its PROGRAM")
        if self.contentType is ContentType.PROGRAM and self.programId:
            raise ValueError("a PROGRAM cannot have a programId")
        if self.publishedAt is not None and self.publishedAt.tzinfo is None:
            raise ValueError("publishedAt needs a time zone, e.g. 2024-01-16T12:00:00Z")
        return self


class CatalogItem(CatalogItemFields):
    """A catalog item with its id: an element of POST /v1/catalog/items and of a JSONL load."""

    contentId: ContentId


class CatalogBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Annotated[list[CatalogItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]
