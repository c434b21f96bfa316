"""The CloudFormation template is the specs: its tables are the TableSpecs, its roles' policies
are the shipped deploy/iam/ grants, and every table is watched. Pure: no AWS, no stack."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mediamesh.search.metrics import OUTBOX_OLDEST_PENDING
from mediamesh.settings import load_settings
from mediamesh.storage.dynamodb import cloudformation as cfn
from mediamesh.storage.dynamodb import iam
from mediamesh.storage.dynamodb.provisioning import schema_problems, ttl_problems
from mediamesh.storage.dynamodb.tables import Tables, TableSpec, tables_from_settings
from tests.security.iam import ACCOUNT, FILE_OF, REGION, shipped

TABLES = tables_from_settings(load_settings({}))
TEMPLATE = cfn.template(TABLES, OUTBOX_OLDEST_PENDING)
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
SERVICES: tuple[iam.Role, ...] = ("discovery", "search")


def resolve(value: Any, names: dict[str, str], parameters: dict[str, str]) -> Any:
    """`value` with the stack's references filled as CloudFormation would: a table's Ref is its
    name, its Arn the ARN in REGION and ACCOUNT; parameters and pseudo parameters by value."""
    arns = {
        f"{cfn.table_id(spec)}.Arn": iam.table_arn(REGION, ACCOUNT, spec.name)
        for spec in TABLES.all()
    }
    values = {
        **names,
        **arns,
        **parameters,
        "AWS::Partition": "aws",
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
    }
    if isinstance(value, list):
        return [resolve(item, names, parameters) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return values[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        return values[".".join(value["Fn::GetAtt"])]
    if set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([\w:.]+)\}", lambda m: values[m.group(1)], value["Fn::Sub"])
    return {key: resolve(item, names, parameters) for key, item in value.items()}


def deployed(value: Any, **parameters: str) -> Any:
    """`value` as deployed with the parameters' defaults (overridden by `parameters`)."""
    defaults = {name: str(p["Default"]) for name, p in TEMPLATE["Parameters"].items()}
    names = {cfn.table_id(spec): spec.name for spec in TABLES.all()}
    return resolve(value, names, defaults | parameters)


def key_schema(partition: str, sort: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": partition, "KeyType": "HASH"}]
    return keys + ([{"AttributeName": sort, "KeyType": "RANGE"}] if sort else [])


@pytest.mark.parametrize("spec", TABLES.all(), ids=lambda spec: spec.role)
def test_each_table_is_its_spec(spec: TableSpec) -> None:
    table = RESOURCES[cfn.table_id(spec)]
    properties = table["Properties"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert TEMPLATE["Parameters"][cfn.name_parameter(spec)]["Default"] == spec.name
    assert properties["TableName"] == {"Ref": cfn.name_parameter(spec)}
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == key_schema(
        spec.partition_key.name, spec.sort_key.name if spec.sort_key else None
    )
    keys = [spec.partition_key, spec.sort_key] + [index.partition_key for index in spec.indexes]
    assert {
        (a["AttributeName"], a["AttributeType"]) for a in properties["AttributeDefinitions"]
    } == {(key.name, key.type) for key in keys if key}
    assert properties.get("GlobalSecondaryIndexes", []) == [
        {
            "IndexName": index.name,
            "KeySchema": key_schema(index.partition_key.name, None),
            "Projection": {"ProjectionType": "ALL"},
        }
        for index in spec.indexes
    ]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": spec.ttl_attribute,
        "Enabled": True,
    }
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}


@pytest.mark.parametrize("spec", TABLES.all(), ids=lambda spec: spec.role)
def test_each_table_passes_the_check_of_mediamesh_tables_verify(spec: TableSpec) -> None:
    properties = RESOURCES[cfn.table_id(spec)]["Properties"]
    assert schema_problems(spec, properties) == ()
    ttl = properties["TimeToLiveSpecification"]
    assert ttl_problems(spec, {"TimeToLiveStatus": "ENABLED", **ttl}) == []


def test_the_search_index_has_the_guides_two_gsis() -> None:
    indexes = RESOURCES["SearchIndexTable"]["Properties"]["GlobalSecondaryIndexes"]
    assert [index["IndexName"] for index in indexes] == ["contentType-index", "category-index"]


def test_the_settings_name_the_tables_and_their_ttl_attribute() -> None:
    settings = load_settings(
        {"DYNAMODB_TABLE_SEARCH_INDEX": "prod-search", "DYNAMODB_TTL_ATTRIBUTE": "expiresAt"}
    )
    template = cfn.template(tables_from_settings(settings), OUTBOX_OLDEST_PENDING)
    assert template["Parameters"]["SearchIndexTableName"]["Default"] == "prod-search"
    ttl = template["Resources"]["PopularTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl["AttributeName"] == "expiresAt"


@pytest.mark.parametrize("role", SERVICES)
def test_each_role_is_granted_exactly_its_shipped_policy(role: iam.Role) -> None:
    policy = RESOURCES[f"{role.capitalize()}Policy"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    assert policy["Properties"]["Roles"] == [{"Ref": f"{role.capitalize()}Role"}]
    # the deploy/iam/ file filled for the default tables, as the stack's references resolve
    assert deployed(policy["Properties"]["PolicyDocument"]) == shipped(FILE_OF[role])
    assert deployed(policy["Properties"]["PolicyDocument"]) == iam.policy(
        role, TABLES, REGION, ACCOUNT
    )


def test_no_other_policy_reaches_a_role_and_provisioning_has_none() -> None:
    types = [resource["Type"] for resource in RESOURCES.values()]
    assert types.count("AWS::IAM::ManagedPolicy") == types.count("AWS::IAM::Role") == 2
    for role in SERVICES:
        properties = RESOURCES[f"{role.capitalize()}Role"]["Properties"]
        assert set(properties) == {"Description", "AssumeRolePolicyDocument"}


def trust(role: iam.Role) -> list[Any]:
    """The role's trust policy: [condition, on EKS, on ECS]."""
    document = RESOURCES[f"{role.capitalize()}Role"]["Properties"]["AssumeRolePolicyDocument"]
    return list(document["Fn::If"])


@pytest.mark.parametrize("role", SERVICES)
def test_ecs_tasks_of_this_account_assume_a_role(role: iam.Role) -> None:
    condition, _, on_ecs = trust(role)
    assert TEMPLATE["Conditions"][condition] == {"Fn::Equals": [{"Ref": "Platform"}, "eks"]}
    assert deployed(on_ecs)["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"},
            },
        }
    ]


@pytest.mark.parametrize("role", SERVICES)
def test_on_eks_only_the_services_account_assumes_a_role(role: iam.Role) -> None:
    issuer = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    _, on_eks, _ = trust(role)
    document = json.loads(deployed(on_eks, EksOidcProvider=issuer, KubernetesNamespace="prod"))
    assert document["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{issuer}:aud": "sts.amazonaws.com",
                    f"{issuer}:sub": f"system:serviceaccount:prod:mediamesh-{role}",
                }
            },
        }
    ]
    assert re.fullmatch(TEMPLATE["Parameters"]["EksOidcProvider"]["AllowedPattern"], issuer)
    assert not re.fullmatch(
        TEMPLATE["Parameters"]["EksOidcProvider"]["AllowedPattern"], f"https://{issuer}"
    )


def alarm_metrics(name: str) -> list[dict[str, Any]]:
    """The metrics an alarm sums, each as its name and dimensions (names resolved)."""
    queries = RESOURCES[name]["Properties"]["Metrics"]
    return [
        {"MetricName": q["MetricStat"]["Metric"]["MetricName"]}
        | {d["Name"]: deployed(d["Value"]) for d in q["MetricStat"]["Metric"]["Dimensions"]}
        for q in queries
        if "MetricStat" in q
    ]


def scopes(spec: TableSpec) -> list[dict[str, str]]:
    table = {"TableName": spec.name}
    return [table] + [table | {"GlobalSecondaryIndexName": i.name} for i in spec.indexes]


@pytest.mark.parametrize("spec", TABLES.all(), ids=lambda spec: spec.role)
def test_every_table_and_gsi_is_watched_for_throttling_and_capacity(spec: TableSpec) -> None:
    name = cfn.table_id(spec)
    assert alarm_metrics(f"{name}ThrottleAlarm") == [
        {"MetricName": metric} | scope
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
        for scope in scopes(spec)
    ]
    for kind in ("Read", "Write"):
        alarm = RESOURCES[f"{name}Consumed{kind}sAlarm"]["Properties"]
        assert alarm["Threshold"] == {"Ref": f"Consumed{kind}UnitsPerSecond"}
        assert alarm_metrics(f"{name}Consumed{kind}sAlarm") == [
            {"MetricName": f"Consumed{kind}CapacityUnits"} | scope for scope in scopes(spec)
        ]


@pytest.mark.parametrize(
    ("spec", "operations"),
    [
        (TABLES.trending, ["DeleteItem", "PutItem", "Query"]),
        (TABLES.popular, ["DeleteItem", "PutItem", "Query"]),
        (TABLES.search_index, ["BatchWriteItem", "Query", "Scan"]),
    ],
    ids=["trending", "popular", "search_index"],
)
def test_system_errors_are_watched_on_the_operations_the_services_call(
    spec: TableSpec, operations: list[str]
) -> None:
    assert alarm_metrics(f"{cfn.table_id(spec)}SystemErrorsAlarm") == [
        {"MetricName": "SystemErrors", "TableName": spec.name, "Operation": operation}
        for operation in operations
    ]


def test_every_alarm_compares_one_series_and_notifies_the_topic_if_any() -> None:
    alarms = {n: r for n, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert len(alarms) == 4 * len(TABLES.all()) + 1
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        returned = [q for q in properties["Metrics"] if q.get("ReturnData", False)]
        assert len(returned) == 1, name
        used = re.findall(r"\bm\d+\b", json.dumps(returned[0].get("Expression", "")))
        assert set(used) == {q["Id"] for q in properties["Metrics"] if "MetricStat" in q}, name
        notify = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
        assert properties["AlarmActions"] == properties["OKActions"] == notify, name
    assert TEMPLATE["Conditions"]["HasAlarmTopic"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]
    }


def test_the_outbox_age_alarm_watches_the_search_gauge_only_when_enabled() -> None:
    alarm = RESOURCES["OutboxAgeAlarm"]
    assert alarm["Condition"] == "WatchOutboxAge"
    assert TEMPLATE["Conditions"]["WatchOutboxAge"] == {
        "Fn::Equals": [{"Ref": "OutboxAgeAlarmEnabled"}, "true"]
    }
    assert TEMPLATE["Parameters"]["OutboxAgeAlarmEnabled"]["Default"] == "false"
    [query] = alarm["Properties"]["Metrics"]
    assert deployed(query["Expression"]) == (
        f'SELECT MAX({OUTBOX_OLDEST_PENDING}) FROM "MediaMesh"'
    )
    assert alarm["Properties"]["Threshold"] == {"Ref": "OutboxAgeThresholdSeconds"}
    assert TEMPLATE["Parameters"]["OutboxAgeThresholdSeconds"]["Default"] == 300


def test_the_outputs_give_the_services_what_they_need() -> None:
    outputs = TEMPLATE["Outputs"]
    for spec in TABLES.all():
        assert deployed(outputs[cfn.name_parameter(spec)]["Value"]) == spec.name
    for role in SERVICES:
        assert outputs[f"{role.capitalize()}RoleArn"]["Value"] == {
            "Fn::GetAtt": [f"{role.capitalize()}Role", "Arn"]
        }


def test_the_rendering_is_stable() -> None:
    again = cfn.to_json(cfn.template(Tables(*TABLES.all()), OUTBOX_OLDEST_PENDING))
    assert again == cfn.to_json(TEMPLATE) and again.endswith("}\n")
