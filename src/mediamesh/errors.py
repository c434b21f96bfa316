"""The one exception hierarchy of MediaMesh.

    MediaMeshError                 root; rendered as {"error": {"code", "message"}}
    ├── ConfigError                an environment variable is missing or invalid
    ├── InvalidInput               the caller sent something we refuse (HTTP 400)
    │   └── InvalidValue           well-formed, but a value we refuse (HTTP 422)
    ├── NotFound                   the addressed thing does not exist (HTTP 404)
    ├── Unauthorized / Forbidden   write endpoints without / with a wrong API key
    └── DependencyError            a store failed; subclasses name which one
        ├── PostgresUnavailable
        ├── RedisUnavailable
        └── DynamoDBError
            ├── DynamoDBUnavailable   cannot connect / timed out
            └── TableSchemaMismatch   a table differs from the spec in `dynamodb.tables`

Adapters convert foreign exceptions into these with ``raise ... from exc`` so the
layers above never import a driver's exception types.

`message` is for operators (logs, the CLI) and may name hosts, users, databases or quote a
driver. What an HTTP answer says is `public_message`: a 4xx's message (it is about the
caller's request), and for a 5xx only what the raiser marked public (`public=`), else the
class's `public_default` ("PostgreSQL is unavailable; retry later"): never where a store is.
"""

from __future__ import annotations


class MediaMeshError(Exception):
    """Root of every error we raise on purpose."""

    code = "internal_error"
    status = 500
    # what an answer of this class says when the raiser marked nothing public (5xx only)
    public_default = "internal error; it has been logged"

    def __init__(self, message: str, *, public: str | None = None) -> None:
        """`public`: a message fit for any caller, to say more than `public_default` (a
        budget, an open breaker, the command that fixes it); never a host, user or database."""
        super().__init__(message)
        self.message = message
        self.public = public

    @property
    def public_message(self) -> str:
        """What an HTTP answer may say to anyone (see the module docstring)."""
        if self.public is not None:
            return self.public
        return self.message if self.status < 500 else self.public_default


class ConfigError(MediaMeshError):
    code = "config_error"


class InvalidInput(MediaMeshError):
    code = "invalid_input"
    status = 400


class InvalidValue(InvalidInput):
    """Well-formed, but a value we refuse (an updatedAt in the future): 422, as for a body
    that fails its schema."""

    status = 422


class NotFound(MediaMeshError):
    code = "not_found"
    status = 404


class Unauthorized(MediaMeshError):
    code = "unauthorized"
    status = 401


class Forbidden(MediaMeshError):
    code = "forbidden"
    status = 403


class DependencyError(MediaMeshError):
    code = "dependency_unavailable"
    status = 503
    public_default = "a store this service needs is unavailable; retry later"


class PostgresUnavailable(DependencyError):
    code = "postgres_unavailable"
    public_default = "PostgreSQL is unavailable; retry later"


class RedisUnavailable(DependencyError):
    code = "redis_unavailable"
    public_default = "Redis is unavailable; retry later"


class DynamoDBError(DependencyError):
    code = "dynamodb_error"
    public_default = "DynamoDB failed; retry later"


class DynamoDBUnavailable(DynamoDBError):
    code = "dynamodb_unavailable"
    public_default = "DynamoDB is unavailable; retry later"


class TableSchemaMismatch(DynamoDBError):
    code = "dynamodb_table_mismatch"
    public_default = "a DynamoDB table is not as this service needs it; the log says which"
