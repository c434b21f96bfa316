"""A ranked list as every cache tier holds it, and the key it is held under. Pure.

Items are kept as the exact JSON bytes the API sends, so a hit is served by joining bytes,
never by decoding and re-encoding the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import orjson

from mediamesh.discovery.models import ListKind, ListQuery, RankedItem

# Bump when the cached representation changes: part of every key, like the formula version.
CACHE_FORMAT = "1"


@dataclass(frozen=True)
class ListKey:
    kind: ListKind
    query: ListQuery
    version: str  # `CACHE_FORMAT` and RankingParams.version: a list is served only to it

    @classmethod
    def of(cls, kind: ListKind, query: ListQuery, formula_version: str) -> ListKey:
        return cls(kind, query, f"{CACHE_FORMAT}.{formula_version}")


@dataclass(frozen=True)
class Entry:
    content_id: str
    program_id: str | None
    data: bytes  # the item exactly as the API renders it, rank included


@dataclass(frozen=True)
class CachedList:
    version: str
    generated_at: float  # epoch seconds when the computation began (its snapshot time)
    expires_at: float  # epoch seconds; never served at or after it
    entries: tuple[Entry, ...]

    @cached_property
    def generation(self) -> str:
        """A hash of the list's content: two copies of one list have the same generation
        (whichever process decoded them), a takedown's fixed copy a new one."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{self.version}|{self.generated_at!r}|{self.expires_at!r}".encode())
        for entry in self.entries:
            digest.update(b"\n" + entry.data)
        return digest.hexdigest()

    @cached_property
    def ids(self) -> frozenset[str]:
        """Every contentId and programId in the list: what a takedown is matched against."""
        found = {e.content_id for e in self.entries}
        found.update(e.program_id for e in self.entries if e.program_id)
        return frozenset(found)

    def without(self, ids: Collection[str]) -> CachedList | None:
        """The list minus items whose contentId or programId is in `ids` (a program takes its
        episodes along), ranks renumbered; None when no item matches."""
        if self.ids.isdisjoint(ids):
            return None
        kept = [e for e in self.entries if e.content_id not in ids and e.program_id not in ids]
        return replace(
            self, entries=tuple(_renumbered(e, rank) for rank, e in enumerate(kept, start=1))
        )


def build_list(
    items: Sequence[RankedItem], version: str, generated_at: float, expires_at: float
) -> CachedList:
    entries = tuple(Entry(i.content_id, i.program_id, render_item(i)) for i in items)
    return CachedList(version, generated_at, expires_at, entries)


def render_item(item: RankedItem) -> bytes:
    """One item of the response body (the API contract, in this order)."""
    return orjson.dumps(
        {
            "rank": item.rank,
            "contentId": item.content_id,
            "contentType": item.content_type,
            "programId": item.program_id,
            "title": item.title,
            "description": item.description,
            "category": item.category,
            "language": item.language,
            "score": item.score,
            "stats": {
                "views": item.stats.views,
                "likes": item.stats.likes,
                "completes": item.stats.completes,
            },
        }
    )


def _renumbered(entry: Entry, rank: int) -> Entry:
    fields: dict[str, Any] = orjson.loads(entry.data)
    if fields["rank"] == rank:
        return entry
    fields["rank"] = rank  # dicts keep their order: the item renders as before
    return replace(entry, data=orjson.dumps(fields))
