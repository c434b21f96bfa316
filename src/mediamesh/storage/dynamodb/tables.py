"""The DynamoDB tables, defined once.

Provisioning (`mediamesh tables create/verify`), the services' start-up check, the docs and
the IAM check all read these specs; nothing else spells a key schema or a GSI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mediamesh.settings import Settings

AttributeType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class Key:
    name: str
    type: AttributeType


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    partition_key: Key
    sort_key: Key | None = None  # projection is always ALL


@dataclass(frozen=True)
class TableSpec:
    """What one table must look like. `role` is how the code refers to it."""

    role: Literal["trending", "popular", "search_index"]
    name: str
    partition_key: Key
    sort_key: Key | None
    ttl_attribute: str
    indexes: tuple[GlobalIndex, ...] = ()

    def create_table_request(self) -> dict[str, Any]:
        """The CreateTable arguments for this spec (on-demand billing)."""
        attributes: dict[str, AttributeType] = {}
        for key in self._all_keys():
            attributes[key.name] = key.type
        request: dict[str, Any] = {
            "TableName": self.name,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": _key_schema(self.partition_key, self.sort_key),
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": type_}
                for name, type_ in attributes.items()
            ],
        }
        if self.indexes:
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.partition_key, index.sort_key),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in self.indexes
            ]
        return request

    def _all_keys(self) -> list[Key]:
        keys = [self.partition_key]
        if self.sort_key:
            keys.append(self.sort_key)
        for index in self.indexes:
            keys.append(index.partition_key)
            if index.sort_key:
                keys.append(index.sort_key)
        return keys


def _key_schema(partition: Key, sort: Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


CONTENT_TYPE = Key("contentType", "S")
RANK = Key("rank", "N")
CONTENT_ID = Key("contentId", "S")
CATEGORY = Key("category", "S")


@dataclass(frozen=True)
class Tables:
    trending: TableSpec
    popular: TableSpec
    search_index: TableSpec

    def all(self) -> tuple[TableSpec, ...]:
        return (self.trending, self.popular, self.search_index)

    def discovery(self) -> tuple[TableSpec, ...]:
        return (self.trending, self.popular)


def tables_from_settings(settings: Settings) -> Tables:
    """The three tables of the guide, named by the settings."""
    ttl = settings.dynamodb_ttl_attribute
    return Tables(
        trending=TableSpec("trending", settings.dynamodb_table_trending, CONTENT_TYPE, RANK, ttl),
        popular=TableSpec("popular", settings.dynamodb_table_popular, CONTENT_TYPE, RANK, ttl),
        search_index=TableSpec(
            "search_index",
            settings.dynamodb_table_search_index,
            CONTENT_ID,
            None,
            ttl,
            indexes=(
                GlobalIndex("contentType-index", CONTENT_TYPE),
                GlobalIndex("category-index", CATEGORY),
            ),
        ),
    )


def describe_markdown(tables: Tables) -> str:
    """The tables as a Markdown table, for docs/DYNAMODB_TABLES.md (kept equal by a test)."""
    lines = [
        "| table | partition key | sort key | GSIs (projection ALL) | TTL attribute | billing |",
        "|---|---|---|---|---|---|",
    ]
    for spec in tables.all():
        sort = f"`{spec.sort_key.name}` ({spec.sort_key.type})" if spec.sort_key else "none"
        indexes = ", ".join(
            f"`{i.name}` (`{i.partition_key.name}` {i.partition_key.type})" for i in spec.indexes
        )
        lines.append(
            f"| `{spec.name}` | `{spec.partition_key.name}` ({spec.partition_key.type}) | {sort} "
            f"| {indexes or 'none'} | `{spec.ttl_attribute}` | on-demand |"
        )
    return "\n".join(lines) + "\n"
