"""The guide's "simple query" path: a search answered from the DynamoDB search index.

Reads at most SEARCH_DYNAMODB_MAX_PAGES x SEARCH_DYNAMODB_PAGE_SIZE items per request
(dynamodb_query_store) within SEARCH_DYNAMODB_TIMEOUT_SECONDS, keeps the unexpired items in
which every query word is a whole word (accent- and case-insensitive), ranks them (title >
tags > description, dynamodb_ranking) and pages through the ranked matches with an offset
cursor. What it cannot do: stemming, phrases, exclusions, `or`, typos, prefixes (such
queries are not `plan.answerable` and are refused), or find a match outside the items its
budget reads; `total` and the facets count only what the budget read. An empty result means
"found nothing here": the orchestration then asks PostgreSQL.

The index lags PostgreSQL by the outbox relay's delay, so a document deleted or unpublished
there may still be here: given `live` (the orchestration passes a PostgreSQL check), the
matches are narrowed to the ids it reports live before they are counted and paged.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from mediamesh.errors import DynamoDBUnavailable, InvalidInput
from mediamesh.resilience.breaker import State
from mediamesh.search import words
from mediamesh.search.dynamodb import cursor as dynamodb_cursor
from mediamesh.search.dynamodb import ranking as dynamodb_ranking
from mediamesh.search.dynamodb.item import from_item, to_record
from mediamesh.search.dynamodb.metrics import METRICS, DynamoDBSearchMetrics
from mediamesh.search.dynamodb.plan import answerable, build_plan
from mediamesh.search.dynamodb.query_store import ReadReport, read_bounded
from mediamesh.search.models import SearchHit, SearchQuery, SearchResult
from mediamesh.search.stores import SearchStores

FACETS = ("contentType", "category", "language")

# The ids among those given that are live at the source of truth; None when it cannot say
# (then the matches are served as read).
LiveIds = Callable[[list[str]], Awaitable[set[str] | None]]


async def search(
    stores: SearchStores,
    query: SearchQuery,
    now: datetime,
    metrics: DynamoDBSearchMetrics = METRICS,
    live: LiveIds | None = None,
) -> SearchResult:
    """Search the DynamoDB index; source="dynamodb". Raises InvalidInput for a foreign cursor
    or a query it cannot answer faithfully (not `plan.answerable`), DynamoDBError subclasses
    when DynamoDB is off, down, slow or refuses the request. With `live`, only matches it
    reports live are counted and returned (see the module docstring)."""
    result, report = await search_with_report(stores, query, now, live)
    if report is not None:
        metrics.record(report)
    return result


async def search_with_report(
    stores: SearchStores, query: SearchQuery, now: datetime, live: LiveIds | None = None
) -> tuple[SearchResult, ReadReport | None]:
    """`search`, also returning what it read (None when the query has no words to match)."""
    client, conn, settings = stores.dynamodb, stores.dynamodb_connection, stores.settings
    if client is None or conn is None:
        raise DynamoDBUnavailable("DynamoDB is not in use here (DYNAMODB_ENABLED=false)")
    if not answerable(query.q):
        # a cursor issued before operators were routed to PostgreSQL, or a caller's mistake
        raise InvalidInput(
            "this query uses operators (quotes, -, or) that only the full-text path answers:"
            " search again without a cursor"
        )
    query_words = words.query_words(query.q)
    print_ = dynamodb_cursor.fingerprint(query, query_words)
    offset = dynamodb_cursor.decode(query.cursor, print_)
    if not query_words:
        return SearchResult(query.q, [], 0, {name: {} for name in FACETS}, None, "dynamodb"), None
    spec = stores.index
    plan = build_plan(spec, query, query_words, now)
    timeout = read_timeout(stores)
    try:
        async with asyncio.timeout(timeout):
            report = await read_bounded(
                client,
                conn,
                spec,
                plan,
                settings.search_dynamodb_page_size,
                settings.search_dynamodb_max_pages,
            )
    except TimeoutError as exc:
        late = f"DynamoDB search took longer than {timeout} s"
        raise DynamoDBUnavailable(late, public=late) from exc

    expires = int(now.timestamp())
    found = [from_item(item) for item in report.items]
    matches = [
        (item, _score(item, query_words))
        for item in found
        if _still_matches(item, query, query_words, spec.ttl_attribute, expires)
    ]
    if live is not None and matches:
        alive = await live([item["contentId"] for item, _ in matches])
        if alive is not None:
            matches = [match for match in matches if match[0]["contentId"] in alive]
    matches.sort(key=lambda m: (-m[1], m[0]["title"].casefold(), m[0]["contentId"]))
    page = matches[offset : offset + query.limit]
    more = offset + query.limit < len(matches)
    return (
        SearchResult(
            query=query.q,
            items=[_hit(item, score, query_words) for item, score in page],
            total=len(matches),
            facets=_facets([item for item, _ in matches]),
            next_cursor=dynamodb_cursor.encode(offset + query.limit, print_) if more else None,
            source="dynamodb",
            complete=not report.budget_exhausted,
        ),
        report,
    )


def read_timeout(stores: SearchStores) -> float:
    """How long the DynamoDB read may take: SEARCH_DYNAMODB_TIMEOUT_SECONDS, plus
    SEARCH_POSTGRES_TIMEOUT_SECONDS while PostgreSQL's read breaker is not closed. Then this
    read is the only answer there is (PostgreSQL refuses at once), and a slow answer is
    better than a 503: the time PostgreSQL would have had goes to DynamoDB."""
    settings = stores.settings
    timeout = settings.search_dynamodb_timeout_seconds
    if stores.breakers.postgres_reads.state is not State.CLOSED:
        timeout += settings.search_postgres_timeout_seconds
    return timeout


def _still_matches(
    item: dict[str, Any], query: SearchQuery, query_words: list[str], ttl: str, now: int
) -> bool:
    """The filter again, in code: DynamoDB already applied it, this guards every reader
    against an index written by another version (and states the contract once more)."""
    if not isinstance(item.get(ttl), int) or item[ttl] <= now:
        return False
    present = _words(item, "titleWords") | _words(item, "tagWords")
    present |= _words(item, "descriptionWords")
    return (
        all(word in present for word in query_words)
        and (not query.content_type or item.get("contentType") == query.content_type)
        and (not query.category or item.get("category") == query.category)
        and (not query.language or item.get("language") == query.language)
        and (not query.tag or query.tag in item.get("tags", []))
    )


def _score(item: dict[str, Any], query_words: list[str]) -> float:
    return dynamodb_ranking.score(
        query_words,
        _words(item, "titleWords"),
        _words(item, "tagWords"),
        _words(item, "descriptionWords"),
        item["title"],
    )


def _hit(item: dict[str, Any], score: float, query_words: list[str]) -> SearchHit:
    document = to_record(item)
    return SearchHit.of(
        document,
        score=score,
        highlights={
            "title": dynamodb_ranking.highlight(document.title, query_words),
            "description": dynamodb_ranking.snippet(document.description, query_words),
        },
    )


def _facets(items: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {}
    for name in FACETS:
        counts = Counter(str(item[name]) for item in items if item.get(name))
        facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return facets


def _words(item: dict[str, Any], attribute: str) -> set[str]:
    value = item.get(attribute)
    return value if isinstance(value, set) else set()
