"""The discovery domain: which list, and what a ranked entry is. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

LIST_SIZE = 100  # every list is computed for 100 items once; smaller limits slice it


class ListKind(StrEnum):
    TRENDING = "trending"
    POPULAR = "popular"


class ListContentType(StrEnum):
    PROGRAM = "PROGRAM"
    EPISODE = "EPISODE"
    ALL = "all"


@dataclass(frozen=True)
class ListQuery:
    """One cached list: a content type plus optional filters."""

    content_type: ListContentType = ListContentType.ALL
    category: str | None = None
    language: str | None = None

    @property
    def partition_key(self) -> str:
        """The DynamoDB partition-key value: exactly the guide's `PROGRAM` / `EPISODE` / `all`
        for an unfiltered list, `PROGRAM#category=Comedy#language=fr` with filters."""
        key = self.content_type.value
        if self.category is not None:
            key += f"#category={self.category}"
        if self.language is not None:
            key += f"#language={self.language}"
        return key


@dataclass(frozen=True)
class Stats:
    views: int
    likes: int
    completes: int


@dataclass(frozen=True)
class RankedItem:
    rank: int
    content_id: str
    content_type: str
    program_id: str | None  # a program's own id for a PROGRAM, its program's for an EPISODE
    title: str
    description: str
    category: str | None
    language: str | None
    score: float
    stats: Stats
