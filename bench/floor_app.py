"""The floor of the list hot path: the same framework and server (FastAPI on uvicorn with
uvloop/httptools) returning the same response bytes and headers from a constant.

    BENCH_FLOOR_RESPONSE=path.json python -m uvicorn bench.floor_app:app ...

The file holds {"body": <the list response, as text>, "headers": {...}}, captured from the
real server by bench/hot_path.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from fastapi import FastAPI, Response

_CAPTURED = orjson.loads(Path(os.environ["BENCH_FLOOR_RESPONSE"]).read_bytes())
BODY: bytes = _CAPTURED["body"].encode()
HEADERS: dict[str, str] = _CAPTURED["headers"]

app = FastAPI()


@app.get("/health/live")
async def live() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@app.get("/v1/discovery/trending")
async def trending() -> Response:
    return Response(BODY, media_type="application/json", headers=HEADERS)
