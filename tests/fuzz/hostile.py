"""A corpus of hostile values, and a check that an answer to one is never a 5xx and that
every 4xx has our error shape."""

from __future__ import annotations

import json
from typing import Any

import httpx

LONG = "x" * 10_000
# What a query parameter can carry (text only)
HOSTILE_TEXT: dict[str, str] = {
    "empty": "",
    "blank": "   ",
    "nul": "a\x00b",
    "controls": "\x01\x07\x1b[31m\x7f",
    "overlong": LONG,
    "rtl-override": "\u202eevil\u200f",
    "zero-width-joiner": "👨\u200d👩\u200d👧",
    "emoji": "🎬🍿",
    "combining-marks": "e" + "\u0301" * 100,
    "bom-replacement": "\ufeff\ufffd",
    "sql": "' OR 1=1; --",
    "tsquery": "a & | ! (b:* <-> c",
    "html": "<script>alert(1)</script>",
    "format": "%s %d {0} ${x}",
    "huge-number": str(2**64),
    "1e309": "1e309",
    "negative": "-1",
    "fraction": "1.5",
    "hash": "a#b",
    "path": "../../etc/passwd",
}
# Raw JSON literals for body fields: every type a field should not be, and edge numbers
HOSTILE_JSON: dict[str, str] = {
    **{name: json.dumps(value) for name, value in HOSTILE_TEXT.items()},
    "lone-surrogate": '"a\\ud800b"',
    "low-surrogate": '"\\udfff"',
    "big-int": str(2**64),
    "1e309-number": "1e309",
    "nan": "NaN",
    "infinity": "-Infinity",
    "negative-number": "-1",
    "zero": "0",
    "true": "true",
    "null": "null",
    "list": "[]",
    "list-of-lists": "[[[]]]",
    "object": "{}",
    "deep": "[" * 5000 + "]" * 5000,
}


def with_field(body: dict[str, Any], path: tuple[str | int, ...], literal: str) -> bytes:
    """`body` as JSON text with the value at `path` replaced by the raw JSON `literal`."""
    marker = "\u0000MARKER\u0000"
    copy = json.loads(json.dumps(body))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = marker
    return json.dumps(copy).replace(json.dumps(marker), literal).encode()


def problem(response: httpx.Response, case: str) -> str | None:
    """None when the answer is acceptable; otherwise what is wrong with it."""
    if response.status_code >= 500:
        return f"{case}: {response.status_code} {response.text[:200]}"
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
            assert isinstance(error["code"], str) and isinstance(error["message"], str)
        except (ValueError, KeyError, TypeError, AssertionError):
            return f"{case}: {response.status_code} without our error shape: {response.text[:200]}"
    return None
