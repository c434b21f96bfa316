"""Schema-based fuzzing with schemathesis: every operation of the OpenAPI document of the
whole app (discovery + search), valid and invalid inputs, writes with a valid key.

Checks: no 5xx; the status code, content type and body match what the document declares
(errors are documented as our `Error` shape, http/openapi_errors.py). Bounded and
deterministic: a fixed number of examples per operation, derandomized.

The app runs in schemathesis's ASGI portal (its own thread and event loop), over a database
and DynamoDB tables of its own, so generated documents never meet other tests' data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from mediamesh.app.factory import create_app
from mediamesh.settings import Settings, load_settings
from mediamesh.storage import postgres
from mediamesh.storage.migrations import migrate
from tests.conftest import Stack
from tests.support import WRITE_HEADERS, provision

EXAMPLES_PER_OPERATION = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
async def fuzz_settings(stack: Stack) -> AsyncIterator[Settings]:
    url = stack.database_url + "_fuzz"
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    settings = stack.settings(database_url=url, table_prefix=f"fz{stack.run_id}-")
    await provision(settings)
    yield settings
    await postgres.drop_database(url)


class _App:
    """The ASGI app under test. The schema (below) is built when this module is imported,
    before any fixture exists, and holds on to this object; the `fuzz_app` fixture gives it
    its settings. schemathesis ends the app's lifespan after each operation's test and starts
    it again for the next: each lifespan gets an app of its own (one app runs one lifespan)."""

    settings: Settings | None = None
    app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.settings is not None, "the fuzz_app fixture sets the settings"
        if scope["type"] == "lifespan" or self.app is None:
            self.app = create_app(self.settings, "all")
        await self.app(scope, receive, send)


APP = _App()
# the document does not depend on the settings; the app it is served by does
schema = schemathesis.openapi.from_dict(create_app(load_settings({}), "all").openapi())
schema.app = APP
schema = schema.exclude(path_regex=r"^/static/")  # the explorer page's files, not an API


@pytest.fixture(scope="module")
def fuzz_app(fuzz_settings: Settings) -> Iterator[None]:
    APP.settings = fuzz_settings
    yield
    asgi.shutdown_lifespans()  # (schemathesis does it after each test too) before the
    APP.settings = APP.app = None  # database is dropped


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_5xx_and_responses_match_the_document(fuzz_app: None, case: schemathesis.Case) -> None:
    headers = WRITE_HEADERS if case.method.upper() != "GET" else None
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
