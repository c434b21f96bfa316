"""The OpenAPI document tells the truth about errors: every error body is our shape.

FastAPI documents a 422 of its own (`{"detail": [...]}`), but http/errors.py answers every
error, a 422 included, as `{"error": {"code", "message"}}`. This rewrites the generated
document once: the 422 and every other 4xx, and 503, refer to one `Error` schema, so clients
(and schemathesis, which checks responses against the document) see what is really sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid_input"]},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
ERROR_RESPONSES: dict[str, dict[str, Any]] = {
    "422": {"description": "invalid input (code invalid_input)", "content": _ERROR},
    "4XX": {
        "description": "bad input (400), no key (401), wrong key (403), not found (404), "
        "body too large (413)",
        "content": _ERROR,
    },
    "503": {"description": "a store is unavailable; see Retry-After", "content": _ERROR},
}
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_errors(generate())  # generate() caches its result in app.openapi_schema
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(document: dict[str, Any]) -> None:
    """Rewrite `document` in place: error responses of every /v1 operation use `Error`."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if path.startswith("/v1/"):
                responses.update(ERROR_RESPONSES)
            elif "422" in responses:
                responses["422"] = ERROR_RESPONSES["422"]
    for name in _FASTAPI_ONLY:
        schemas.pop(name, None)
