"""The CloudWatch alarms of the CloudFormation template (cloudformation.py), with the parameters
and conditions they use. Pure.

Per table: throttling (reads and writes, of the table and its GSIs), DynamoDB's system errors
(HTTP 500) on the operations the services call, and consumed capacity above a cost guard.
Once, when enabled: the age of the search outbox's oldest pending write, the /metrics gauge as
the CloudWatch agent publishes it. Each alarm notifies `AlarmTopicArn` when one is given.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from mediamesh.storage.dynamodb.tables import TableSpec

HAS_TOPIC, WATCH_OUTBOX = "HasAlarmTopic", "WatchOutboxAge"
# The operations AWS/DynamoDB reports SystemErrors for, by its `Operation` dimension: the
# data-plane calls. The services' DescribeTable and DescribeTimeToLive are not among them.
DATA_PLANE = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
    }
)
# Throttles and errors alarm on 3 bad minutes out of 5: a burst the services absorb (the SDK's
# retry, the breakers, the outbox's retries) stays quiet, trouble that lasts does not.
BAD_MINUTES, OUT_OF = 3, 5
# Consumed capacity: 3 periods of 5 minutes in a row over the guard, so a burst such as the
# sample catalog's reindex (26 s, docs/SEARCH_INDEXING.md) stays quiet.
CAPACITY_PERIOD, CAPACITY_PERIODS = 300, 3
SEE = "See docs/DEPLOYING_AWS.md, What to watch."


def parameters() -> dict[str, Any]:
    """The template parameters the alarms read."""
    return {
        "AlarmTopicArn": {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "(arn:[a-z-]+:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+)?",
            "Description": "The SNS topic the alarms notify (empty: they notify nobody)",
        },
        "ConsumedReadUnitsPerSecond": {
            "Type": "Number",
            "Default": 1000,
            "MinValue": 1,
            "Description": "Cost guard: read units per second per table, its GSIs included",
        },
        "ConsumedWriteUnitsPerSecond": {
            "Type": "Number",
            "Default": 500,
            "MinValue": 1,
            "Description": "Cost guard: write units per second per table, its GSIs included",
        },
        "OutboxAgeAlarmEnabled": {
            "Type": "String",
            "Default": "false",
            "AllowedValues": ["true", "false"],
            "Description": "Alarm on the search outbox's age (the CloudWatch agent must publish it)",
        },
        "OutboxMetricNamespace": {
            "Type": "String",
            "Default": "MediaMesh",
            "Description": "The CloudWatch namespace the agent publishes the /metrics gauges to",
        },
        "OutboxAgeThresholdSeconds": {
            "Type": "Number",
            "Default": 300,
            "MinValue": 1,
            "Description": "Alarm when the oldest pending search-index write is older than this",
        },
    }


def conditions() -> dict[str, Any]:
    """The template conditions the alarms use."""
    return {
        HAS_TOPIC: {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]},
        WATCH_OUTBOX: {"Fn::Equals": [{"Ref": "OutboxAgeAlarmEnabled"}, "true"]},
    }


def table_alarms(spec: TableSpec, table_id: str, operations: list[str]) -> dict[str, Any]:
    """The alarms of `spec`, the table `table_id` of the template, by logical id. `operations`
    are the DynamoDB operations called on it; those DynamoDB reports errors for are watched."""
    table = {"Ref": table_id}
    scopes: list[tuple[str, dict[str, Any]]] = [
        ("table", {"TableName": table}),
        *(
            (index.name, {"TableName": table, "GlobalSecondaryIndexName": index.name})
            for index in spec.indexes
        ),
    ]
    throttles = [
        _metric(f"{name} {label}", name, scope, 60)
        for name, (label, scope) in product(("ReadThrottleEvents", "WriteThrottleEvents"), scopes)
    ]
    errors = [
        _metric(f"SystemErrors {op}", "SystemErrors", {"TableName": table, "Operation": op}, 60)
        for op in operations
        if op in DATA_PLANE
    ]
    alarms = {
        f"{table_id}ThrottleAlarm": _often(
            f"${{{table_id}}}: requests throttled (reads or writes, the table or its GSIs)",
            _sum(throttles, "throttle events"),
        ),
        f"{table_id}SystemErrorsAlarm": _often(
            f"${{{table_id}}}: DynamoDB answered with system errors (HTTP 500)",
            _sum(errors, "system errors"),
        ),
    }
    for kind in ("Read", "Write"):
        metric = f"Consumed{kind}CapacityUnits"
        consumed = [
            _metric(f"{metric} {label}", metric, scope, CAPACITY_PERIOD) for label, scope in scopes
        ]
        *summed, total = _sum(consumed, f"{kind.lower()} units per second")
        alarms[f"{table_id}Consumed{kind}sAlarm"] = _alarm(
            {
                "Fn::Sub": f"${{{table_id}}}: more than ${{Consumed{kind}UnitsPerSecond}} "
                f"{kind.lower()} units per second (the table and its GSIs) for "
                f"{CAPACITY_PERIOD * CAPACITY_PERIODS // 60} minutes: a cost guard. {SEE}"
            },
            [*summed, {**total, "Expression": f"{total['Expression']} / PERIOD(m0)"}],
            periods=CAPACITY_PERIODS,
            datapoints=CAPACITY_PERIODS,
            threshold={"Ref": f"Consumed{kind}UnitsPerSecond"},
            # DynamoDB publishes nothing for a quiet period: no data is no trouble
            missing="notBreaching",
        )
    return alarms


def outbox_alarm(metric: str) -> dict[str, Any]:
    """The alarm on `metric`, the outbox's age, created when `OutboxAgeAlarmEnabled` is true."""
    # A Metrics Insights query over the namespace: whatever dimensions the agent adds (cluster,
    # task family, pod), the alarm watches the largest age any search process reports.
    query = f'SELECT MAX({metric}) FROM "${{OutboxMetricNamespace}}"'
    minutes = 3
    alarm = _alarm(
        {
            "Fn::Sub": "The oldest search-index write in the outbox has waited more than "
            f"${{OutboxAgeThresholdSeconds}} s, or no search process has published its age, "
            f"for {minutes} minutes: writes are acknowledged but not reaching DynamoDB. {SEE}"
        },
        [
            {
                "Id": "age",
                "Expression": {"Fn::Sub": query},
                "Period": 60,
                "Label": metric,
                "ReturnData": True,
            }
        ],
        periods=minutes,
        datapoints=minutes,
        threshold={"Ref": "OutboxAgeThresholdSeconds"},
        # no data means nothing publishes the gauge: no search process, or no agent
        missing="breaching",
    )
    return {**alarm, "Condition": WATCH_OUTBOX}


def _often(what: str, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    return _alarm(
        {"Fn::Sub": f"{what} in {BAD_MINUTES} of the last {OUT_OF} minutes. {SEE}"},
        metrics,
        periods=OUT_OF,
        datapoints=BAD_MINUTES,
        threshold=0,
        missing="notBreaching",
    )


def _metric(label: str, name: str, dimensions: dict[str, Any], period: int) -> dict[str, Any]:
    return {
        "Label": label,
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/DynamoDB",
                "MetricName": name,
                "Dimensions": [{"Name": key, "Value": value} for key, value in dimensions.items()],
            },
            "Period": period,
            "Stat": "Sum",
        },
        "ReturnData": False,
    }


def _sum(metrics: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    """`metrics` numbered m0, m1, ... and their sum, the series the alarm compares."""
    numbered = [{"Id": f"m{n}", **metric} for n, metric in enumerate(metrics)]
    ids = ", ".join(metric["Id"] for metric in numbered)
    total = {"Id": "total", "Expression": f"SUM([{ids}])", "Label": label, "ReturnData": True}
    return [*numbered, total]


def _alarm(
    description: object,
    metrics: list[dict[str, Any]],
    *,
    periods: int,
    datapoints: int,
    threshold: object,
    missing: str,
) -> dict[str, Any]:
    notify = {"Fn::If": [HAS_TOPIC, [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Metrics": metrics,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": threshold,
            "EvaluationPeriods": periods,
            "DatapointsToAlarm": datapoints,
            "TreatMissingData": missing,
            "AlarmActions": notify,
            "OKActions": notify,
        },
    }
