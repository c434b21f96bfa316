"""POST /v1/discovery/events (issue 3 fills this in)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["discovery"])
