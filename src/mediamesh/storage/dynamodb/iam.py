"""The IAM policies of the three roles: exactly the DynamoDB actions each one calls, on its own
tables and nothing else. Pure.

- discovery (`mediamesh serve discovery`): the list tables — Query, PutItem and DeleteItem
  (discovery/tiers/dynamodb.py), DescribeTable and DescribeTimeToLive (the start-up check and
  /health/ready). The list tables have no GSI, so no `index/*` resource.
- search (`mediamesh serve search`, `mediamesh reindex`): the search index — BatchWriteItem
  (every put and delete of search/dynamodb/index_store.py), Scan (an unfiltered short query,
  `reindex --prune`), DescribeTable, DescribeTimeToLive on the table; Query on its GSIs only
  (search/dynamodb/query_store.py never queries the table itself).
- provisioning (`mediamesh tables create|verify|delete`, `mediamesh doctor`): CreateTable,
  DeleteTable, UpdateTimeToLive, DescribeTable, DescribeTimeToLive on the three tables.

The guide's broader policies (GetItem and UpdateItem for both services, PutItem and DeleteItem
for search, `index/*` on the list tables) are kept in docs/SECURITY.md with why they are not
shipped. tests/security proves the grants both ways: every call the tested paths make is
allowed, and every granted action is called by some tested path.

`statements` builds a role's statements and leaves naming the resources to its caller:
`policy` renders one role's document with ARNs for a region, an account and the tables' names
(from the settings); `template` renders it with `${AWS_REGION}`, `${AWS_ACCOUNT_ID}` and
`${DYNAMODB_TABLE_...}` placeholders — the files in deploy/iam/, which `envsubst` can fill;
cloudformation.py names the stack's own tables (deploy/cloudformation/).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from mediamesh.errors import ConfigError
from mediamesh.storage.dynamodb.tables import Tables, TableSpec

Role = Literal["discovery", "search", "provisioning"]
ROLES: tuple[Role, ...] = get_args(Role)
VERSION = "2012-10-17"
TEMPLATE_REGION, TEMPLATE_ACCOUNT = "${AWS_REGION}", "${AWS_ACCOUNT_ID}"
_ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Grant:
    sid: str
    actions: tuple[str, ...]  # DynamoDB API operations, which are also the IAM actions
    on_indexes: bool = False  # the tables' GSIs (`table/NAME/index/*`) instead of the tables


GRANTS: dict[Role, tuple[Grant, ...]] = {
    "discovery": (
        Grant(
            "DiscoveryListTables",
            ("DeleteItem", "DescribeTable", "DescribeTimeToLive", "PutItem", "Query"),
        ),
    ),
    "search": (
        Grant(
            "SearchIndexTable",
            ("BatchWriteItem", "DescribeTable", "DescribeTimeToLive", "Scan"),
        ),
        Grant("SearchIndexGSIs", ("Query",), on_indexes=True),
    ),
    "provisioning": (
        Grant(
            "ProvisionTables",
            (
                "CreateTable",
                "DeleteTable",
                "DescribeTable",
                "DescribeTimeToLive",
                "UpdateTimeToLive",
            ),
        ),
    ),
}


# How a statement names a table (`on_indexes` False) or its GSIs (True): an ARN here, a
# reference to the stack's table in the CloudFormation template (cloudformation.py).
ResourceOf = Callable[[TableSpec, bool], object]


def tables_of(role: Role, tables: Tables) -> tuple[TableSpec, ...]:
    if role == "discovery":
        return tables.discovery()
    if role == "search":
        return (tables.search_index,)
    return tables.all()


def statements(role: Role, tables: Tables, resource: ResourceOf) -> list[dict[str, Any]]:
    """The Allow statements of `role` on its `tables`, one per grant, each table (or its GSIs,
    for a grant `on_indexes`) named by `resource(spec, on_indexes)`. A grant on GSIs covers
    only the tables that have some, and is left out when none has."""
    specs = tables_of(role, tables)
    rendered = []
    for grant in GRANTS[role]:
        resources = [
            resource(spec, grant.on_indexes)
            for spec in specs
            if spec.indexes or not grant.on_indexes
        ]
        if resources:
            rendered.append(
                {
                    "Sid": grant.sid,
                    "Effect": "Allow",
                    "Action": [f"dynamodb:{action}" for action in grant.actions],
                    "Resource": resources,
                }
            )
    return rendered


def policy(role: Role, tables: Tables, region: str, account: str) -> dict[str, Any]:
    """The policy document of `role` on `tables` in `region` and `account` (12 digits, or the
    template's placeholder). Raises ConfigError for another account id."""
    if account != TEMPLATE_ACCOUNT and not _ACCOUNT.fullmatch(account):
        raise ConfigError(f"the AWS account id must be 12 digits, got {account!r}")

    def arn(spec: TableSpec, on_indexes: bool) -> str:
        return table_arn(region, account, spec.name, "*" if on_indexes else None)

    return {"Version": VERSION, "Statement": statements(role, tables, arn)}


def template(role: Role, tables: Tables) -> dict[str, Any]:
    """The policy with placeholders for the region, the account and the table names."""
    named = Tables(
        *(
            dataclasses.replace(spec, name="${DYNAMODB_TABLE_" + spec.role.upper() + "}")
            for spec in tables.all()
        )
    )
    return policy(role, named, TEMPLATE_REGION, TEMPLATE_ACCOUNT)


def to_json(document: dict[str, Any]) -> str:
    """The document as the files in deploy/iam/ hold it."""
    return json.dumps(document, indent=2) + "\n"


def table_arn(region: str, account: str, table: str, index: str | None = None) -> str:
    """A table's ARN, or `table/NAME/index/INDEX` for a GSI (what IAM checks a GSI read on)."""
    arn = f"arn:aws:dynamodb:{region}:{account}:table/{table}"
    return f"{arn}/index/{index}" if index else arn
