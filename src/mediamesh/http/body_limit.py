"""The request body size limit (MAX_REQUEST_BYTES), enforced before anything parses a body.

A pure ASGI middleware: a declared Content-Length over the limit is refused at once, without
reading a byte; otherwise the body is read as it streams in and counted, and refused as soon
as the count passes the limit (a chunked upload cannot get around it). A body within the
limit is handed on whole: the routes would buffer it anyway to parse it, so holding at most
`max_bytes` here costs nothing extra. Refusals are 413 `payload_too_large` in our error shape.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediamesh.http.errors import error_response

_HUGE = 2**63


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await _refuse(scope, receive, send, 400, "bad_request", "Content-Length is not valid")
            return
        if declared is not None and declared > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-upload
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = (
            f"the request body is larger than {self.max_bytes} bytes (MAX_REQUEST_BYTES): "
            "send smaller batches"
        )
        await _refuse(scope, receive, send, 413, "payload_too_large", message)


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when absent, -1 when it is not a plain decimal number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.isdigit():
                return -1
            return int(value) if len(value) <= 18 else _HUGE  # no need to parse 10**400
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()  # after the body: http.disconnect, as the server sends it
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
) -> None:
    # Connection: close, so that a server does not try to read the rest of a refused upload
    response = error_response(status, code, message, headers={"Connection": "close"})
    await response(scope, receive, send)
