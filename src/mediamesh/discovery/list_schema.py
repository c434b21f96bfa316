"""The list response as OpenAPI documents it. The body itself is assembled from stored bytes
(see rendering), so these models describe the contract; tests hold the two together."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class StatsOut(BaseModel):
    views: int
    likes: int
    completes: int


class ListItemOut(BaseModel):
    rank: int
    contentId: str
    contentType: Literal["PROGRAM", "EPISODE"]
    programId: str | None
    title: str
    description: str
    category: str | None
    language: str | None
    score: float
    stats: StatsOut


class ListOut(BaseModel):
    contentType: Literal["PROGRAM", "EPISODE", "all"]
    items: list[ListItemOut]
    source: Literal["dynamodb", "redis", "postgres", "memory"]
    generatedAt: datetime
    expiresAt: datetime
