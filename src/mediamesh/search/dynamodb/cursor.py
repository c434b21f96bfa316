"""The DynamoDB path's opaque cursor: `dynamodb.` + base64url(JSON {offset, fingerprint}).

The plain prefix lets the orchestration route a cursor back to the path that issued it
(`is_dynamodb_cursor`); the fingerprint ties it to one query and its filters, so a cursor
replayed with another query is refused instead of paging through the wrong results.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

import orjson

from mediamesh.errors import InvalidInput
from mediamesh.search.models import SearchQuery

PREFIX = "dynamodb."
MAX_OFFSET = 100_000


def is_dynamodb_cursor(cursor: str | None) -> bool:
    return bool(cursor) and str(cursor).startswith(PREFIX)


def fingerprint(query: SearchQuery, query_words: list[str]) -> str:
    parts = [" ".join(query_words), query.content_type, query.category, query.language, query.tag]
    return hashlib.sha256(orjson.dumps(parts)).hexdigest()[:16]


def encode(offset: int, print_: str) -> str:
    body = orjson.dumps({"o": offset, "f": print_})
    return PREFIX + base64.urlsafe_b64encode(body).decode().rstrip("=")


def decode(cursor: str | None, print_: str) -> int:
    """The offset in `cursor` (0 without one). Raises InvalidInput for any other cursor."""
    if not cursor:
        return 0
    if not is_dynamodb_cursor(cursor):
        raise InvalidInput("cursor was not issued by the DynamoDB search path")
    raw = cursor[len(PREFIX) :]
    try:
        body = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        offset, issued_for = body["o"], body["f"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput("cursor is malformed: start again without a cursor") from exc
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput("cursor is malformed: start again without a cursor")
    if issued_for != print_:
        raise InvalidInput("cursor belongs to another query: start again without a cursor")
    return offset
