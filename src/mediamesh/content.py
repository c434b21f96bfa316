"""The vocabulary every feature shares: content ids, content types and the text fields of an
item, with the rules the API applies to them (pydantic types and the one model of an item's
fields, ContentFields; pure)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# a BCP 47 language tag as the API takes it (e.g. en, pt-BR)
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
LANGUAGE_MAX_LENGTH = 35


class ContentType(StrEnum):
    PROGRAM = "PROGRAM"
    EPISODE = "EPISODE"


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
Language = Annotated[str, Field(pattern=LANGUAGE_PATTERN)]


class ContentKind(BaseModel):
    """What every body describing an item starts with: its type.

    Split from ContentFields so that a feature can declare a field of its own between the
    two, as the catalog does with programId: a model's fields are in the order its bases
    declare them (the reversed MRO), and that order is the API's, in the OpenAPI schema and
    in the errors of an invalid body (the first one is the 422's message).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contentType: ContentType


class ContentFields(ContentKind):
    """An item's fields and their rules, written once: the catalog's items and search's
    documents extend it (catalog/models.py, search/documents.py)."""

    title: Annotated[Text, Field(min_length=1, max_length=500)]
    description: Annotated[Text, Field(max_length=20_000)] = ""
    category: ShortText | None = None
    language: Language | None = None
    tags: Annotated[list[ShortText], Field(max_length=50)] = []
