"""Catalog items as the API and `mediamesh load` accept them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_BATCH_ITEMS = 500


class ContentType(StrEnum):
    PROGRAM = "PROGRAM"
    EPISODE = "EPISODE"


class Status(StrEnum):
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


def _printable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and other C0 controls are never meant in a title;
    # a lone UTF-16 surrogate (JSON "\\ud800") is not text at all and cannot be stored.
    for ch in value:
        if (ord(ch) < 32 and ch not in "\t\n\r") or 0xD800 <= ord(ch) <= 0xDFFF:
            raise ValueError("must not contain control characters such as NUL, or lone surrogates")
    return value


def printable(value: str | None) -> str | None:
    """`_printable` for optional values (query parameters)."""
    return None if value is None else _printable(value)


def _content_id(value: str) -> str:
    _printable(value)
    if value != value.strip():
        raise ValueError("must not start or end with white space")
    return value


ContentId = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_content_id)]
Text = Annotated[str, AfterValidator(_printable)]
ShortText = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_printable)]


class CatalogItemFields(BaseModel):
    """The body of PUT /v1/catalog/items/{contentId}."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contentType: ContentType
    programId: ContentId | None = None
    title: Annotated[Text, Field(min_length=1, max_length=500)]
    description: Annotated[Text, Field(max_length=20_000)] = ""
    category: ShortText | None = None
    language: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")] | None = None
    tags: Annotated[list[ShortText], Field(max_length=50)] = []
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
