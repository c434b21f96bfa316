"""The query parameters of GET /v1/discovery/trending and /popular, and their rules, in one
place: the routes (discovery/routes.py) declare them with the annotations below, and the fast
path (discovery/fast_lists.py) reads a query string with `parse_query`, built from the same
constants and the same category check, so that a rule changed here changes both.

`parse_query` takes a subset of what the routes take, read with the same values; anything it
is not sure of (an unknown or repeated parameter, a limit not in plain decimal, …) is None,
for the route to answer (tests/discovery/test_fast_paths_agree.py compares both).
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Query
from pydantic import AfterValidator

from mediamesh.content import LANGUAGE_MAX_LENGTH, LANGUAGE_PATTERN, printable
from mediamesh.discovery.models import LIST_SIZE, ListContentType, ListQuery

# the names in the query string
CONTENT_TYPE, LIMIT, CATEGORY, LANGUAGE = "contentType", "limit", "category", "language"
NAMES = frozenset((CONTENT_TYPE, LIMIT, CATEGORY, LANGUAGE))
DEFAULT_CONTENT_TYPE = ListContentType.ALL
DEFAULT_LIMIT = 20
MIN_LIMIT, MAX_LIMIT = 1, LIST_SIZE
CATEGORY_MIN_LENGTH, CATEGORY_MAX_LENGTH = 1, 100
# separates the parts of the list's DynamoDB partition key (PROGRAM#category=…)
CATEGORY_FORBIDDEN = "#"


def check_category(value: str | None) -> str | None:
    """The category's rules beyond its length (the route's validator; the fast path's too)."""
    if value is not None and CATEGORY_FORBIDDEN in value:
        raise ValueError(f"must not contain {CATEGORY_FORBIDDEN!r}")
    return printable(value)


ContentTypeParam = Annotated[
    ListContentType, Query(alias=CONTENT_TYPE, description="PROGRAM, EPISODE or all")
]
Limit = Annotated[
    int,
    Query(alias=LIMIT, ge=MIN_LIMIT, le=MAX_LIMIT, description=f"how many items, 1..{MAX_LIMIT}"),
]
Category = Annotated[
    str | None,
    Query(
        alias=CATEGORY,
        min_length=CATEGORY_MIN_LENGTH,
        max_length=CATEGORY_MAX_LENGTH,
        description="e.g. Comedy",
    ),
    AfterValidator(check_category),
]
Language = Annotated[
    str | None,
    Query(
        alias=LANGUAGE,
        pattern=LANGUAGE_PATTERN,
        max_length=LANGUAGE_MAX_LENGTH,
        description="e.g. fr",
    ),
]

_CONTENT_TYPES = {t.value: t for t in ListContentType}
# plain decimals of at most MAX_LIMIT's digits only: "05", " 5" or "1e1" are left to the route
_LIMIT = re.compile(f"[1-9][0-9]{{0,{len(str(MAX_LIMIT)) - 1}}}")
# fullmatch, as pydantic's (Rust) regex reads ^…$: Python's $ would also match before a "\n"
_LANGUAGE = re.compile(LANGUAGE_PATTERN.removeprefix("^").removesuffix("$"))
_DEFAULTS = (ListQuery(DEFAULT_CONTENT_TYPE), DEFAULT_LIMIT)


def parse_query(raw: bytes) -> tuple[ListQuery, int] | None:
    """The list and limit the route would read from this query string (decoded as Starlette
    does); None for anything it would not accept as is, or might read differently: an
    unknown or repeated parameter, a value that is not plainly valid."""
    if not raw:
        return _DEFAULTS
    params: dict[str, str] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if name in params or name not in NAMES:
            return None
        params[name] = value
    content_type = DEFAULT_CONTENT_TYPE
    if CONTENT_TYPE in params:
        named = _CONTENT_TYPES.get(params[CONTENT_TYPE])
        if named is None:
            return None
        content_type = named
    limit = DEFAULT_LIMIT
    if LIMIT in params:
        if not _LIMIT.fullmatch(params[LIMIT]):
            return None
        limit = int(params[LIMIT])
        if not MIN_LIMIT <= limit <= MAX_LIMIT:
            return None
    category, language = params.get(CATEGORY), params.get(LANGUAGE)
    if category is not None and not _valid_category(category):
        return None
    if language is not None and (
        len(language) > LANGUAGE_MAX_LENGTH or not _LANGUAGE.fullmatch(language)
    ):
        return None
    return ListQuery(content_type, category, language), limit


def _valid_category(value: str) -> bool:
    if not CATEGORY_MIN_LENGTH <= len(value) <= CATEGORY_MAX_LENGTH:
        return False
    try:
        check_category(value)
    except ValueError:
        return False
    return True
