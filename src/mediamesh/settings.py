"""One validated settings object, built from the environment.

The variable names are exactly those of docs/DYNAMODB_INTEGRATION.md (the design we
implement) plus a few of our own; docs/CONFIGURATION.md lists every one with its default.
Adapters never read the environment: they take plain arguments, so tests build them directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mediamesh.errors import ConfigError

PositiveSeconds = Annotated[int, Field(gt=0, le=10 * 365 * 24 * 3600)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, frozen=True, extra="ignore")

    # --- DynamoDB (names and defaults from the integration guide) ---
    dynamodb_enabled: bool = True
    dynamodb_endpoint: str | None = None
    aws_region: str = "us-east-1"
    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    dynamodb_table_trending: str = "mediamesh-trending"
    dynamodb_table_popular: str = "mediamesh-popular"
    dynamodb_table_search_index: str = "mediamesh-search-index"
    dynamodb_ttl_attribute: str = Field(default="ttl", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
    dynamodb_ttl_seconds: PositiveSeconds = 2_592_000
    # Client budgets for the hot path: a slow tier is skipped, never waited on for long.
    dynamodb_connect_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    dynamodb_read_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    dynamodb_max_attempts: Annotated[int, Field(ge=1, le=10)] = 2

    # --- the other stores ---
    database_url: str = "postgresql://postgres@127.0.0.1:5432/mediamesh"
    database_pool_min_size: Annotated[int, Field(ge=0, le=100)] = 1
    database_pool_max_size: Annotated[int, Field(ge=1, le=200)] = 10
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "mediamesh:"
    redis_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 0.5
    # a Redis Cluster (true), one Redis (false), or unset: asked of the server at start-up
    redis_cluster: bool | None = None

    # --- discovery lists: how long each tier keeps them ---
    trending_ttl_seconds: PositiveSeconds = 600
    popular_ttl_seconds: PositiveSeconds = 300

    # --- discovery: what the lists mean (see README, "How lists are ranked") ---
    trending_window_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 48
    trending_half_life_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 6.0
    popular_window_days: Annotated[int, Field(ge=1, le=365)] = 30
    event_weight_view: Annotated[float, Field(ge=0, le=1000)] = 1.0
    event_weight_complete: Annotated[float, Field(ge=0, le=1000)] = 2.0
    event_weight_like: Annotated[float, Field(ge=0, le=1000)] = 5.0
    max_episodes_per_program: Annotated[int, Field(ge=1, le=100)] = 2
    # --- discovery: events (POST /v1/discovery/events): how far ahead of the server clock an
    # occurredAt may be before it is refused as "in the future" ---
    events_max_clock_skew_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    # how often each discovery server folds the acknowledged events of engagement_inbox into
    # the rollups (one process at a time; discovery/events/aggregator.py); 0: never in the
    # background (a list computation still folds what is pending first)
    events_fold_interval_seconds: Annotated[float, Field(ge=0, le=1)] = 0.2
    # --- discovery: the cache-aside chain ---
    # tiers tried before PostgreSQL, in order (the guide's order by default)
    cache_tier_order: str = Field(
        default="dynamodb,redis", pattern=r"^(dynamodb|redis)(,(dynamodb|redis))?$"
    )
    memory_cache_ttl_seconds: Annotated[float, Field(ge=0, le=60)] = 5.0
    # the CDN's takedown window: how long a shared cache may keep a list answer (max-age plus
    # stale-while-revalidate, discovery/list_caching.py)
    list_http_max_age_seconds: Annotated[int, Field(ge=0, le=600)] = 5
    memory_cache_max_entries: Annotated[int, Field(ge=1, le=1_000_000)] = 1024
    # past its TTL a near-cache copy is still served this long (never past the list's own
    # expiry) while one request refreshes it: a list idle for a few seconds then asked for
    # by many clients at once is not read from the next tier by all of them
    memory_cache_stale_seconds: Annotated[float, Field(ge=0, le=3600)] = 60.0
    # per-tier read budgets: a tier slower than this is skipped (counted as a timeout)
    cache_dynamodb_timeout_seconds: Annotated[float, Field(gt=0, le=10)] = 0.3
    cache_redis_timeout_seconds: Annotated[float, Field(gt=0, le=10)] = 0.2
    # budget of one background write-back to one tier
    cache_write_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0
    # a list lives ttl·(1 - U(0, fraction)) so that lists computed together expire apart
    cache_ttl_jitter_fraction: Annotated[float, Field(ge=0, le=0.5)] = 0.1
    # the cross-process compute lock (SET NX PX): how long it is held at most, and how long
    # another process waits for the holder's result before computing itself
    cache_compute_lock_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    # refresh ahead: a list read in the last REFRESH_AHEAD_IDLE_SECONDS is recomputed once
    # less than REFRESH_AHEAD_FRACTION of its TTL is left; the refresher looks every interval
    refresh_ahead_fraction: Annotated[float, Field(gt=0, le=0.9)] = 0.2
    refresh_ahead_idle_seconds: Annotated[float, Field(gt=0, le=86_400)] = 300.0
    refresh_ahead_interval_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    # ... of at most this many lists per process (the least recently read is forgotten first),
    # at most this many at once
    refresh_ahead_max_lists: Annotated[int, Field(ge=1, le=100_000)] = 1000
    refresh_ahead_concurrency: Annotated[int, Field(ge=1, le=256)] = 4
    # the bounded key space (docs/CACHING.md, "A bounded key space"): lists live at once in
    # the caches (the Redis registry, plain lists included); a filtered list computed beyond
    # it is served but cached nowhere
    cache_max_filtered_lists: Annotated[int, Field(ge=1, le=1_000_000)] = 2000
    # a category or language no published item has gets 404; those found are remembered
    # (at most this many per process) and checked again after this long
    list_filter_max_values: Annotated[int, Field(ge=1, le=1_000_000)] = 10_000
    list_filter_recheck_seconds: Annotated[float, Field(ge=0, le=86_400)] = 60.0
    # --- discovery: takedowns (docs/CACHING.md, "Takedowns") ---
    # every process reads PostgreSQL's takedown log at least this often (NOTIFY wakes it
    # sooner): the bound on how long a takedown can be served by another process
    takedown_poll_seconds: Annotated[float, Field(gt=0, le=1)] = 0.25
    # one purge of the cached copies (Redis, DynamoDB) of a takedown's lists; what is not
    # done in time is retried with backoff until it is
    takedown_purge_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 5.0

    # --- search ---
    search_dynamodb_max_query_length: Annotated[int, Field(ge=0, le=256)] = 50
    # PostgreSQL query path (docs/SEARCH.md, "Ranking" and "Limits")
    search_candidate_limit: Annotated[int, Field(ge=100, le=10_000)] = 1000
    search_typo_fallback_below: Annotated[int, Field(ge=0, le=1000)] = 5
    search_postgres_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 2.0
    # connections of each search query pool on which a starting server runs every kind of
    # search statement once, in the background (search/warmup.py): a connection's first
    # statements cost it tens of milliseconds; 0 turns it off
    search_warm_up_connections: Annotated[int, Field(ge=0, le=8)] = 2
    # hybrid search (docs/SEARCH.md, "When every word finds too little"): a query of two or
    # more words whose words together find fewer documents than this (and no title with all
    # of them) also matches most words and by meaning; 0 turns it off
    search_relax_below: Annotated[int, Field(ge=0, le=1000)] = 10
    # how many nearest documents by meaning are candidates (more when filters are set: the
    # nearest may not pass them), and the cosine below which a document is not a match
    search_semantic_candidates: Annotated[int, Field(ge=1, le=10_000)] = 100
    search_semantic_min_similarity: Annotated[float, Field(ge=-1, le=1)] = 0.3
    # from how many vectors (passages included) each process builds an HNSW graph of its
    # vector index and searches it instead of scanning every vector (docs/SEARCH.md, "Which
    # index, measured"); 0 turns it off
    search_vector_graph_min_vectors: Annotated[int, Field(ge=0)] = 150_000
    # DynamoDB query path: read budget per request (docs/SEARCH_INDEXING.md, "Read budget")
    search_dynamodb_page_size: Annotated[int, Field(ge=1, le=1000)] = 250
    search_dynamodb_max_pages: Annotated[int, Field(ge=1, le=16)] = 4
    search_dynamodb_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 2.0
    # DynamoDB answers a search only while its index is at most this far behind PostgreSQL:
    # no search_outbox row (an indexed or deleted document not yet delivered) older; else
    # PostgreSQL answers (a bulk load still being relayed must not give half its answers)
    search_dynamodb_max_lag_seconds: Annotated[float, Field(ge=0, le=3600)] = 2.0
    # outbox relay: PostgreSQL -> DynamoDB search index (docs/SEARCH_INDEXING.md, "Outbox")
    search_outbox_batch_size: Annotated[int, Field(ge=1, le=500)] = 100
    search_outbox_poll_seconds: Annotated[float, Field(gt=0, le=300)] = 1.0
    search_outbox_retry_base_seconds: Annotated[float, Field(gt=0, le=3600)] = 1.0
    search_outbox_retry_max_seconds: Annotated[float, Field(gt=0, le=86_400)] = 60.0
    search_outbox_write_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0
    # how often the outbox gauges of /metrics are recomputed (in the background: a scrape
    # never queries PostgreSQL for them)
    search_outbox_stats_interval_seconds: Annotated[float, Field(gt=0, le=3600)] = 15.0
    # how far ahead of the server clock a document's updatedAt may be before it is refused:
    # a later updatedAt would win over every update until that time (same default as events)
    search_max_clock_skew_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    # the embedding model (docs/SEARCH.md, "Semantic model and embedded text"): onnxruntime
    # threads per inference (1: the server's event loop keeps a core), and the tokens of a
    # document's text that are embedded (the rest is cut)
    search_embedding_threads: Annotated[int, Field(ge=1, le=64)] = 1
    search_embedding_max_tokens: Annotated[int, Field(ge=16, le=512)] = 128
    # semantic search as a whole: off, no embedding worker runs (docs/SEARCH_INDEXING.md,
    # "Vectors")
    search_semantic_enabled: bool = True
    # the embedding worker: documents per batch (each committed on its own), how often it
    # looks for due documents without a notify (and a waiting process tries to take over),
    # and how often each process samples the backlog gauge of /metrics
    search_embedding_batch_size: Annotated[int, Field(ge=1, le=1000)] = 32
    search_embedding_poll_seconds: Annotated[float, Field(gt=0, le=300)] = 1.0
    search_embedding_stats_interval_seconds: Annotated[float, Field(gt=0, le=3600)] = 15.0

    # --- retention (docs/OPERATIONS.md, "Retention"): what `mediamesh maintain` and each
    # server's maintenance schedule delete ---
    # raw events are kept at least this long (dropped a whole month's partition at a time);
    # never less than the longest list window, which ingestion may still write into
    event_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    # tombstoned search documents are kept this long (and until their outbox row has gone):
    # a tombstone keeps a late, older upsert of a deleted document from bringing it back
    search_tombstone_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    # how often each server runs maintenance (one at a time across processes); 0: never
    # (run `mediamesh maintain` from a scheduler instead)
    maintenance_interval_seconds: Annotated[float, Field(ge=0, le=7 * 86_400)] = 3600.0
    # how often each server checks which tables changed past autovacuum's threshold since
    # their last ANALYZE, and analyses them (app/statistics.py: autovacuum may be off); 0: never
    statistics_interval_seconds: Annotated[float, Field(ge=0, le=3600)] = 5.0

    # --- resilience (docs/OPERATIONS.md, "Runbooks") ---
    # a tier's circuit breaker opens after this many consecutive failures or timeouts, and
    # lets one probe through after the cool-down; a probe that succeeds closes it
    breaker_failure_threshold: Annotated[int, Field(ge=1, le=1000)] = 5
    breaker_reset_seconds: Annotated[float, Field(gt=0, le=600)] = 5.0
    # budget of computing one discovery list in PostgreSQL (slower: the stale copy answers)
    cache_postgres_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    # budget of one write request (catalog, events, indexing) in PostgreSQL: past it the write
    # gets 503 and is rolled back, and the `postgres_writes` breaker counts a failure
    postgres_write_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 5.0
    # PostgreSQL down and no tier holds a list: its last good copy is served (marked stale)
    # for at most this long past its expiry; 0 turns it off
    stale_grace_seconds: Annotated[int, Field(ge=0, le=86_400)] = 900
    stale_max_lists: Annotated[int, Field(ge=1, le=100_000)] = 256
    # a list read (tiers, then PostgreSQL) slower than this serves the last good copy, if
    # any, while it finishes in the background; 0: wait for it (up to its budgets)
    stale_if_slow_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0

    # --- security ---
    mediamesh_api_keys: SecretStr = SecretStr("")
    # empty: reads are public; set: reads need one of these keys (or a write key)
    mediamesh_read_api_keys: SecretStr = SecretStr("")
    # empty: GET /metrics is open; set: it needs one of these keys (a scraper's, no other)
    metrics_api_keys: SecretStr = SecretStr("")
    # largest request body (413 above it): 4 MiB, over 6x the 500 largest sample items
    # (630 KB) and 11x 1,000 events with every field at its longest (360 KB)
    max_request_bytes: Annotated[int, Field(ge=1024, le=256 * 1024 * 1024)] = 4 * 1024 * 1024
    # comma-separated origins allowed to call the API from a browser; empty: no CORS headers
    cors_allowed_origins: str = ""

    @model_validator(mode="after")
    def _events_outlive_the_windows(self) -> Settings:
        # ingestion accepts events as old as the longest window: their partition must exist
        longest_days = max(-(-self.trending_window_hours // 24), self.popular_window_days)
        if self.event_retention_days < longest_days:
            raise ValueError(
                f"EVENT_RETENTION_DAYS ({self.event_retention_days}) must be at least the "
                f"longest list window ({longest_days} days: TRENDING_WINDOW_HOURS, "
                "POPULAR_WINDOW_DAYS)"
            )
        return self

    @model_validator(mode="after")
    def _cluster_over_tcp(self) -> Settings:
        if self.redis_cluster and self.redis_url.startswith("unix://"):
            raise ValueError("REDIS_CLUSTER=true needs a redis:// or rediss:// REDIS_URL")
        return self

    @field_validator("dynamodb_endpoint", "redis_cluster", "aws_access_key_id", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `DYNAMODB_ENDPOINT=` (commented out in a .env) must mean "use AWS", not "".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("dynamodb_endpoint")
    @classmethod
    def _endpoint_is_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, e.g. http://localhost:8000")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in _split(value):
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: use scheme://host[:port], e.g. "
                    "https://app.example.com (no path, no trailing slash), or *"
                )
        return value

    @property
    def api_keys(self) -> tuple[str, ...]:
        return _split(self.mediamesh_api_keys.get_secret_value())

    @property
    def read_api_keys(self) -> tuple[str, ...]:
        return _split(self.mediamesh_read_api_keys.get_secret_value())

    @property
    def metrics_keys(self) -> tuple[str, ...]:
        return _split(self.metrics_api_keys.get_secret_value())

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return _split(self.cors_allowed_origins)

    @property
    def uses_aws(self) -> bool:
        """True when no endpoint is set: the default AWS endpoint and credential chain."""
        return self.dynamodb_endpoint is None


# scheme://user:password@ (the password runs to the last @ before the path), and a
# `password=` query parameter (libpq and redis-py both accept one)
_URL_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@]*):[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"(?i)(?P<head>[?&]password=)[^&#]*")


def masked_url(url: str) -> str:
    """`url` with its password (in the user info or a `password=` parameter) shown as ***, for
    whatever prints or logs a URL (DATABASE_URL, REDIS_URL, an endpoint). Total: any text in,
    the same text with passwords masked out; user, host, port and path are kept."""
    url = _URL_PASSWORD.sub(r"\g<head>:***@", url, count=1)
    return _QUERY_PASSWORD.sub(r"\g<head>***", url)


_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")


def _split(raw: str) -> tuple[str, ...]:
    """A comma-separated setting as its non-empty, stripped parts."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from `environ` (default: the process environment).

    Raises ConfigError naming every invalid variable, so start-up fails with one clear line
    per problem instead of a traceback.
    """
    try:
        if environ is None:
            return Settings()
        fields = {key.lower(): value for key, value in environ.items()}
        known = {k: v for k, v in fields.items() if k in Settings.model_fields}
        return Settings.model_validate(known)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']} "
            f"(got {err.get('input')!r})"
            if err["loc"]
            else err["msg"].removeprefix("Value error, ")  # a rule across variables
            for err in exc.errors()
        ]
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from exc
