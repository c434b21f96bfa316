"""Search HTTP routes (issue 4 fills this in)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["search"])
