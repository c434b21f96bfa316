"""The vocabulary every feature shares: content ids, content types and the text fields of an
item, with the rules the API applies to them (pydantic types; pure)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

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
