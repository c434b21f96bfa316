"""The one place that creates DynamoDB clients and converts botocore's errors into ours.

aiobotocore is used because it is botocore itself (same wire format, same credential chain
with IAM roles, same event hooks the IAM test records operations with), on aiohttp.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, cast

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from mediamesh.errors import DynamoDBError, DynamoDBUnavailable
from mediamesh.settings import Settings, masked_url
from mediamesh.storage.dynamodb import observers
from mediamesh.storage.dynamodb.capacity import ask_for_capacity

START_HINT = "start it with `mediamesh stack dynamodb-local start` (or `./scripts/run.sh`)"


class DynamoDBClient(Protocol):
    """The operations our code calls on an aiobotocore DynamoDB client, and only those.

    Keyword arguments and responses are botocore's (the DynamoDB API's names and shapes).
    A test checks that the real client has every operation named here.
    """

    async def batch_write_item(self, **kwargs: Any) -> dict[str, Any]: ...
    async def create_table(self, **kwargs: Any) -> dict[str, Any]: ...
    async def delete_item(self, **kwargs: Any) -> dict[str, Any]: ...
    async def delete_table(self, **kwargs: Any) -> dict[str, Any]: ...
    async def describe_table(self, **kwargs: Any) -> dict[str, Any]: ...
    async def describe_time_to_live(self, **kwargs: Any) -> dict[str, Any]: ...
    async def put_item(self, **kwargs: Any) -> dict[str, Any]: ...
    async def query(self, **kwargs: Any) -> dict[str, Any]: ...
    async def scan(self, **kwargs: Any) -> dict[str, Any]: ...
    async def update_time_to_live(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class DynamoDBConnection:
    """Plain connection arguments; `endpoint=None` means AWS and its default credential chain."""

    region: str
    endpoint: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    connect_timeout: float = 1.0
    read_timeout: float = 1.0
    max_attempts: int = 2
    max_pool_connections: int = 64
    # botocore's client-side check of every request against the API model; DynamoDB checks
    # them anyway. Background writers whose requests our code builds turn it off (CPU).
    parameter_validation: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> DynamoDBConnection:
        secret = settings.aws_secret_access_key
        return cls(
            region=settings.aws_region,
            endpoint=settings.dynamodb_endpoint,
            access_key_id=settings.aws_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            connect_timeout=settings.dynamodb_connect_timeout_seconds,
            read_timeout=settings.dynamodb_read_timeout_seconds,
            max_attempts=settings.dynamodb_max_attempts,
        )

    def describe(self) -> str:
        """Where the client connects, fit for a log line (a password in the URL masked)."""
        return masked_url(self.endpoint) if self.endpoint else f"AWS DynamoDB in {self.region}"


@asynccontextmanager
async def open_client(conn: DynamoDBConnection) -> AsyncIterator[DynamoDBClient]:
    """Yield an aiobotocore DynamoDB client with explicit hot-path timeouts and retries.

    Explicit keys are passed only when both are set; otherwise botocore's chain
    (environment, shared files, container and instance roles) applies. Every call the client
    makes is reported to the observers of `storage.dynamodb.observers`.
    """
    config = Config(
        connect_timeout=conn.connect_timeout,
        read_timeout=conn.read_timeout,
        retries={"max_attempts": conn.max_attempts, "mode": "standard"},
        max_pool_connections=conn.max_pool_connections,
        parameter_validation=conn.parameter_validation,
        tcp_keepalive=True,
    )
    kwargs: dict[str, Any] = {"region_name": conn.region, "config": config}
    if conn.endpoint:
        kwargs["endpoint_url"] = conn.endpoint
    if conn.access_key_id and conn.secret_access_key:
        kwargs["aws_access_key_id"] = conn.access_key_id
        kwargs["aws_secret_access_key"] = conn.secret_access_key
    async with get_session().create_client("dynamodb", **kwargs) as client:
        observers.attach(client)  # operation observers: IAM proof in tests, capacity metrics
        client.meta.events.register("before-parameter-build.dynamodb", ask_for_capacity)
        yield cast(DynamoDBClient, client)


@contextmanager
def translated_errors(conn: DynamoDBConnection) -> Iterator[None]:
    """Convert botocore failures into DynamoDBError subclasses with an actionable message."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise DynamoDBError(
            f"DynamoDB at {conn.describe()} refused {exc.operation_name}: "
            f"{error.get('Code', 'Unknown')}: {error.get('Message', '')}"
        ) from exc
    except NoCredentialsError as exc:
        raise DynamoDBError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            "(any non-empty values for DynamoDB Local) or run with an IAM role"
        ) from exc
    except NoRegionError as exc:
        raise DynamoDBError("no AWS region: set AWS_REGION") from exc
    except (BotoConnectionError, OSError, TimeoutError) as exc:
        hint = f": {START_HINT}" if conn.endpoint else ""
        raise DynamoDBUnavailable(
            f"DynamoDB is not reachable at {conn.describe()} ({type(exc).__name__}){hint}"
        ) from exc
    except BotoCoreError as exc:
        raise DynamoDBError(f"DynamoDB client error at {conn.describe()}: {exc}") from exc


def client_error_code(exc: BaseException) -> str | None:
    """The AWS error code behind a converted error, if any."""
    cause = exc.__cause__
    if isinstance(cause, ClientError):
        code = cause.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None
