"""The one exception hierarchy of MediaMesh.

    MediaMeshError                 root; rendered as {"error": {"code", "message"}}
    ├── ConfigError                an environment variable is missing or invalid
    ├── InvalidInput               the caller sent something we refuse (HTTP 400/422)
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
"""

from __future__ import annotations


class MediaMeshError(Exception):
    """Root of every error we raise on purpose."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(MediaMeshError):
    code = "config_error"


class InvalidInput(MediaMeshError):
    code = "invalid_input"
    status = 400


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


class PostgresUnavailable(DependencyError):
    code = "postgres_unavailable"


class RedisUnavailable(DependencyError):
    code = "redis_unavailable"


class DynamoDBError(DependencyError):
    code = "dynamodb_error"


class DynamoDBUnavailable(DynamoDBError):
    code = "dynamodb_unavailable"


class TableSchemaMismatch(DynamoDBError):
    code = "dynamodb_table_mismatch"
