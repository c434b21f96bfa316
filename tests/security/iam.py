"""The shipped IAM policies (deploy/iam/*.json), evaluated as AWS would for our requests.

Just enough of IAM's policy logic for these documents: Allow/Deny statements, `Action` and
`Resource` as a string or a list, `*` and `?` wildcards (actions match case-insensitively,
resources case-sensitively), an explicit Deny wins, anything not allowed is denied.
The shipped files are templates (`${AWS_REGION}`, `${AWS_ACCOUNT_ID}`, `${DYNAMODB_TABLE_*}`):
they are evaluated filled with REGION, ACCOUNT and the default table names, as `envsubst` would
fill them. Test table names carry a per-run prefix (`t<run>-mediamesh-trending`);
`deployed_name` maps them back to those names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediamesh.settings import load_settings
from mediamesh.storage.dynamodb.tables import tables_from_settings

POLICIES = Path(__file__).resolve().parents[2] / "deploy" / "iam"
REGION = "us-east-1"
ACCOUNT = "123456789012"
DEPLOYED = tables_from_settings(load_settings({}))
FILLED = {
    "AWS_REGION": REGION,
    "AWS_ACCOUNT_ID": ACCOUNT,
    **{f"DYNAMODB_TABLE_{spec.role.upper()}": spec.name for spec in DEPLOYED.all()},
}
FILE_OF = {
    "discovery": "discovery-service-policy.json",
    "search": "search-service-policy.json",
    "provisioning": "provisioning-policy.json",
}
OWNER = {spec.name: "discovery" for spec in DEPLOYED.discovery()} | {
    DEPLOYED.search_index.name: "search"
}


def _pattern(text: str, case_sensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...]
    resources: tuple[re.Pattern[str], ...]

    def matches(self, action: str, resource: str) -> bool:
        return any(a.fullmatch(action) for a in self.actions) and any(
            r.fullmatch(resource) for r in self.resources
        )


@dataclass(frozen=True)
class Policy:
    name: str
    statements: tuple[Statement, ...]

    @classmethod
    def load(cls, name: str) -> Policy:
        """The shipped policy file `name` (without `.json`), its placeholders filled."""
        document = shipped(f"{name}.json")
        statements = tuple(
            Statement(
                s["Effect"],
                tuple(_pattern(a, False) for a in _listed(s["Action"])),
                tuple(_pattern(r, True) for r in _listed(s["Resource"])),
            )
            for s in document["Statement"]
        )
        return cls(name, statements)

    def allows(self, action: str, resource: str) -> bool:
        matching = [s.effect for s in self.statements if s.matches(action, resource)]
        return "Allow" in matching and "Deny" not in matching


def shipped(file: str) -> dict[str, Any]:
    """A file of deploy/iam/ as deployed: every `${NAME}` replaced by FILLED[NAME]."""
    text = re.sub(r"\$\{(\w+)\}", lambda m: FILLED[m.group(1)], (POLICIES / file).read_text())
    document: dict[str, Any] = json.loads(text)
    return document


def table_arn(table: str, index: str | None = None) -> str:
    """The ARN IAM checks: the table's, or `table/NAME/index/INDEX` for a GSI read."""
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


def deployed_name(test_table: str) -> str | None:
    """`t123-mediamesh-trending` → `mediamesh-trending`; None for a table of no service."""
    for name in OWNER:
        if test_table == name or test_table.endswith(f"-{name}"):
            return name
    return None
