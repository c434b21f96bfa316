"""A search document as a DynamoDB item (the guide's structure), and back. Pure, no I/O.

    contentId, contentType, title, description, category, language, tags, indexedAt,
    updatedAt, ttl                      the guide's attributes (ttl = indexedAt + TTL seconds)
    titleWords, tagWords, descriptionWords
                                        string sets of normalised words (search/words.py),
                                        one per field so the query path can rank
                                        title > tags > description

Optional strings that are empty or null (description, category, language) and empty word
sets are omitted, not stored empty: DynamoDB rejects empty string sets everywhere, empty
strings as GSI keys (an item without `category` is simply absent from `category-index`: a
sparse index), and DynamoDB Local 1.11 rejects every empty string. Readers map a missing
attribute back to "" or None.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mediamesh.search import words
from mediamesh.search.documents import DocumentRecord, IndexedDocument
from mediamesh.storage.dynamodb.tables import CATEGORY, CONTENT_TYPE, TableSpec

MAX_ITEM_BYTES = 400 * 1024
WORD_SET_ATTRIBUTES = ("titleWords", "tagWords", "descriptionWords")


def to_item(
    doc: IndexedDocument, spec: TableSpec, now: datetime, ttl_seconds: int
) -> dict[str, Any]:
    """The item in DynamoDB's wire format; `ttl` is `now` + `ttl_seconds` in epoch seconds."""
    item: dict[str, Any] = {
        spec.partition_key.name: {"S": doc.content_id},
        CONTENT_TYPE.name: {"S": doc.content_type},
        "title": {"S": doc.title},
        "tags": {"L": [{"S": tag} for tag in doc.tags]},
        "indexedAt": {"S": iso(now)},
        "updatedAt": {"S": iso(doc.updated_at)},
        spec.ttl_attribute: {"N": str(int(now.timestamp()) + ttl_seconds)},
    }
    for name, value in (
        ("description", doc.description),
        (CATEGORY.name, doc.category),
        ("language", doc.language),
    ):
        if value:
            item[name] = {"S": value}
    sets = (
        words.word_set([doc.title]),
        words.word_set(doc.tags),
        words.word_set([doc.description]),
    )
    for name, found in zip(WORD_SET_ATTRIBUTES, sets, strict=True):
        if found:
            item[name] = {"SS": sorted(found)}
    if item_size(item) > MAX_ITEM_BYTES:  # unreachable within the API's field limits
        item.pop("descriptionWords", None)
    return item


def key(spec: TableSpec, content_id: str) -> dict[str, Any]:
    return {spec.partition_key.name: {"S": content_id}}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A wire-format item as plain Python values (S → str, N → int, L → list, SS → set)."""
    return {name: _plain(value) for name, value in item.items()}


def to_record(plain: dict[str, Any]) -> DocumentRecord:
    """The document in a `from_item` item: `to_item`'s inverse, an omitted attribute read
    back as "" (description), None (category, language) or [] (tags)."""
    return DocumentRecord(
        content_id=plain["contentId"],
        content_type=plain[CONTENT_TYPE.name],
        title=plain["title"],
        description=plain.get("description", ""),
        category=plain.get(CATEGORY.name),
        language=plain.get("language"),
        tags=list(plain.get("tags", [])),
    )


def item_size(item: dict[str, Any]) -> int:
    """An upper estimate of DynamoDB's item size: UTF-8 bytes of names and values."""
    total = 0
    for name, value in item.items():
        total += len(name.encode()) + _value_size(value)
    return total


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the guide writes it (fractions only when present)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _plain(value: dict[str, Any]) -> Any:
    ((kind, raw),) = value.items()
    if kind == "N":
        return int(raw) if raw.lstrip("-").isdigit() else float(raw)
    if kind == "L":
        return [_plain(element) for element in raw]
    if kind == "SS":
        return set(raw)
    return raw


def _value_size(value: dict[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind == "L":
        return 3 + sum(1 + _value_size(element) for element in raw)
    if kind == "SS":
        return sum(len(element.encode()) for element in raw)
    return len(str(raw).encode())
