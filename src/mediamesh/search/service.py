"""The search flow of the integration guide: DynamoDB first for short queries, PostgreSQL
otherwise or when DynamoDB finds nothing, fails or is slow.

    query, no cursor ─┬─ DYNAMODB_ENABLED, client open, 0 < len(q) < SEARCH_DYNAMODB_MAX_QUERY_LENGTH,
                      │  plain words only (no quotes, -exclusion, or)
                      │     └─ DynamoDB path ── complete with items? ── yes → source "dynamodb"
                      │                          └─ no / too few to be the whole answer* /
                      │                             DynamoDBError / timeout ──────┐
                      └─ otherwise (long, empty or with operators) ───────────────┴→ PostgreSQL
    query, cursor ───── the path the cursor names (cursor.py), and only that one

* two or more words finding fewer than SEARCH_RELAX_BELOW documents, none of them with all
the words in its title: PostgreSQL would also match most of the words and by meaning
(postgres/hybrid.py), so it answers.

One meaning on both paths: a query with operators (`"phrase"`, `-word`, `or`) goes to
PostgreSQL, whose `websearch_to_tsquery` defines them (dynamodb/plan.py `answerable` says
why the word-set index cannot). And the index lags PostgreSQL by the outbox: DynamoDB's
matches are checked against PostgreSQL's live documents in one primary-key lookup
(`verified_dynamodb`), so a document deleted or unpublished there is never served while
PostgreSQL answers; when it does not, the matches are served as read. The same lookup tells
whether an outbox row has waited over SEARCH_DYNAMODB_MAX_LAG_SECONDS: the index may then
miss documents (a bulk load still being relayed), so PostgreSQL answers, as for a partial
read; while it cannot, DynamoDB's answer is the reply of last resort.

"Complete" matters: DynamoDB has no word index, so its path reads at most a budget of items
(SEARCH_DYNAMODB_MAX_PAGES x SEARCH_DYNAMODB_PAGE_SIZE). When the scope it reads (the table,
or one contentType / category partition) holds more than that, what it finds is an arbitrary
sample — "star wars" would answer with whatever films mention stars in the first 1,000 items
read. Such partial answers are kept only as the reply of last resort, when PostgreSQL fails;
and a scope found too large is remembered for a while (ScopeMemory), so later queries on it
do not pay for a DynamoDB read whose answer would be discarded.

An empty query browses by filters, which only PostgreSQL can do. A DynamoDB cursor does
not fall back: the next page of one path is not a page of the other, so a failure there is
reported (503, Retry-After) instead of answering with a different result list.

Each path sits behind its tier's circuit breaker (resilience/): while DynamoDB keeps failing
its path is skipped at once; while PostgreSQL does, PostgresUnavailable comes at once and a
short query is answered from DynamoDB alone (complete, or partial matches, even for a scope
remembered as too large), else 503.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from mediamesh.errors import DynamoDBError, InvalidInput, PostgresUnavailable
from mediamesh.resilience.guards import dynamodb_read, postgres_read
from mediamesh.search import cursor, words
from mediamesh.search.dynamodb import search as dynamodb_search
from mediamesh.search.dynamodb.plan import answerable
from mediamesh.search.models import SearchQuery, SearchResult, Suggestion
from mediamesh.search.postgres import search as postgres_search
from mediamesh.search.postgres.query_text import clean
from mediamesh.search.stores import SearchStores

log = logging.getLogger(__name__)

# the PostgreSQL path runs a few statements, each within SEARCH_POSTGRES_TIMEOUT_SECONDS
POSTGRES_BUDGET_FACTOR = 2

DynamoDBSearch = Callable[[SearchStores, SearchQuery, datetime], Awaitable[SearchResult]]
PostgresSearch = Callable[[SearchStores, SearchQuery], Awaitable[SearchResult]]
Scope = tuple[str, str | None, str | None]  # (table, contentType, category) DynamoDB reads
PostgresSuggest = Callable[[SearchStores, str, int], Awaitable[list[Suggestion]]]


async def verified_dynamodb(
    stores: SearchStores, query: SearchQuery, now: datetime
) -> SearchResult:
    """The DynamoDB path, its matches narrowed to the documents live in PostgreSQL, and
    marked not `current` when the same check finds the index behind PostgreSQL by more than
    SEARCH_DYNAMODB_MAX_LAG_SECONDS."""
    behind = False

    async def live(content_ids: list[str]) -> set[str] | None:
        nonlocal behind
        budget = stores.settings.search_postgres_timeout_seconds
        breaker = stores.breakers.postgres_reads
        try:
            alive, behind = await postgres_read(
                breaker, budget, lambda: postgres_search.live_ids(stores, content_ids)
            )
        except PostgresUnavailable as exc:
            log.info("DynamoDB's matches not checked against PostgreSQL: %r", exc)
            return None
        return alive

    found = await dynamodb_search.search(stores, query, now, live=live)
    return dataclasses.replace(found, current=False) if behind else found


async def search(
    stores: SearchStores,
    query: SearchQuery,
    now: datetime,
    dynamodb: DynamoDBSearch = verified_dynamodb,
    postgres: PostgresSearch = postgres_search.search,
) -> SearchResult:
    """Answer `query` from one path; `source` says which. The paths are parameters so the
    flow can be tested on its own.

    Raises InvalidInput for a cursor that is not ours, DynamoDBError subclasses when the
    DynamoDB path fails on a DynamoDB cursor, PostgresUnavailable when PostgreSQL does.
    """

    async def from_dynamodb(q: SearchQuery) -> SearchResult:
        # behind the tier's breaker: while open, DynamoDBUnavailable at once. The read has
        # its own timeout inside; the budget also holds the PostgreSQL check of its matches,
        # which gives up after its own (a slow PostgreSQL must not count against DynamoDB)
        budget = (
            dynamodb_search.read_timeout(stores) + stores.settings.search_postgres_timeout_seconds
        )
        breaker = stores.breakers.dynamodb_search
        return await dynamodb_read(breaker, budget, lambda: dynamodb(stores, q, now))

    async def from_postgres(q: SearchQuery) -> SearchResult:
        budget = POSTGRES_BUDGET_FACTOR * stores.settings.search_postgres_timeout_seconds
        breaker = stores.breakers.postgres_reads
        return await postgres_read(breaker, budget, lambda: postgres(stores, q))

    if query.cursor:
        path, token = cursor.unwrap(query.cursor)
        inner = dataclasses.replace(query, cursor=token)
        if path == "postgres":
            return _answer(query, await from_postgres(inner))
        if not stores.dynamodb_open:
            raise InvalidInput("cursor is from DynamoDB, which is not enabled: search again")
        return _answer(query, await from_dynamodb(_cleaned(inner)))
    text = clean(query.q)
    limit = stores.settings.search_dynamodb_max_query_length
    short = stores.dynamodb_open and 0 < len(text) < limit and answerable(text)
    skipped = short and scopes.too_large(stores, query)  # its answer would not be exact
    partial: SearchResult | None = None
    if short and not skipped:
        partial = await _dynamodb_answer(stores, query, from_dynamodb)
        whole = partial is not None and partial.items and partial.complete and partial.current
        if whole and partial is not None and not _may_relax(stores, text, partial):
            return _answer(query, partial)
    try:
        answer = await from_postgres(query)
    except PostgresUnavailable:
        if skipped:  # now its partial matches beat a 503
            partial = await _dynamodb_answer(stores, query, from_dynamodb)
        if partial is None:
            raise
        log.warning("PostgreSQL is down: answering with DynamoDB's matches")
        return _answer(query, partial)
    if stores.dynamodb_open:
        scopes.learn(stores, query, answer)
    return _answer(query, answer)


def _may_relax(stores: SearchStores, text: str, found: SearchResult) -> bool:
    """Whether PostgreSQL might answer differently: every word found too little and no title
    has them all (a named film keeps the strict answer there too); on PostgreSQL such a query
    also matches most words and by meaning (postgres/hybrid.py), which the word-set index
    cannot, so PostgreSQL answers and a query means one thing on both paths."""
    below = stores.settings.search_relax_below
    asked = set(words.query_words(text))
    if below <= 0 or found.total >= below or len(asked) < 2:
        return False
    return not any(asked <= set(words.words(hit.title)) for hit in found.items)


async def suggest(
    stores: SearchStores,
    q: str,
    limit: int,
    postgres: PostgresSuggest = postgres_search.suggest,
) -> list[Suggestion]:
    """Up to `limit` titles for a search box, from PostgreSQL behind the same breaker and
    budget as search: raises PostgresUnavailable at once while the breaker is open, and when
    PostgreSQL does not answer within the budget (a hung server must not hold the request)."""
    budget = POSTGRES_BUDGET_FACTOR * stores.settings.search_postgres_timeout_seconds
    breaker = stores.breakers.postgres_reads
    return await postgres_read(breaker, budget, lambda: postgres(stores, q, limit))


async def _dynamodb_answer(
    stores: SearchStores,
    query: SearchQuery,
    from_dynamodb: Callable[[SearchQuery], Awaitable[SearchResult]],
) -> SearchResult | None:
    """DynamoDB's answer: complete (exact, even when empty), or the partial matches of a
    scope larger than its read budget (remembered as such); None when it failed or found
    nothing in a partial read (PostgreSQL must answer then)."""
    try:
        found = await from_dynamodb(_cleaned(query))
    except DynamoDBError as exc:
        log.info("DynamoDB search failed, PostgreSQL answers instead: %r", exc)
        return None
    if not found.complete:
        scopes.remember_too_large(stores, query)
    return found if found.items or found.complete else None


class ScopeMemory:
    """Which DynamoDB read scopes (contentType, category) recently held more items than the
    read budget. Per process, forgotten after `seconds`, so a catalog that shrinks or a
    budget that grows is noticed again."""

    def __init__(self, seconds: float = 300.0) -> None:
        self.seconds = seconds
        self._until: dict[Scope, float] = {}

    def too_large(self, stores: SearchStores, query: SearchQuery) -> bool:
        until = self._until.get(_scope(stores, query))
        return until is not None and until > time.monotonic()

    def remember_too_large(self, stores: SearchStores, query: SearchQuery) -> None:
        self._until[_scope(stores, query)] = time.monotonic() + self.seconds

    def learn(self, stores: SearchStores, query: SearchQuery, answer: SearchResult) -> None:
        """Remember the scopes that PostgreSQL's counts show to be larger than DynamoDB's read
        budget, before a DynamoDB read is spent finding out: the query's own (its total), and
        each contentType and category partition (a facet count is a lower bound of the
        partition's size). An estimated count that errs only makes PostgreSQL answer queries
        on that scope for a while, as it does for long ones; it never changes an answer."""
        settings = stores.settings
        budget = settings.search_dynamodb_max_pages * settings.search_dynamodb_page_size
        table = stores.index.name
        found: list[Scope] = [
            (table, t, None) for t, n in answer.facets.get("contentType", {}).items() if n > budget
        ]
        found += [
            (table, None, c) for c, n in answer.facets.get("category", {}).items() if n > budget
        ]
        if answer.total > budget:
            found.append(_scope(stores, query))
        until = time.monotonic() + self.seconds
        self._until.update((scope, until) for scope in found)

    def forget(self) -> None:
        self._until.clear()


def _scope(stores: SearchStores, query: SearchQuery) -> Scope:
    # the partition the DynamoDB path reads: category-index wins over contentType-index
    table = stores.index.name
    return (table, None, query.category) if query.category else (table, query.content_type, None)


scopes = ScopeMemory()


def _cleaned(query: SearchQuery) -> SearchQuery:
    return dataclasses.replace(query, q=clean(query.q))


def _answer(query: SearchQuery, result: SearchResult) -> SearchResult:
    """The result as the API returns it: the query as given, the cursor tagged by path."""
    token = result.next_cursor
    return dataclasses.replace(
        result,
        query=query.q,
        next_cursor=cursor.wrap(result.source, token) if token else None,
    )
