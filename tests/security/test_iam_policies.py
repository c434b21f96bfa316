"""Least privilege, proven: every DynamoDB request the test session made is allowed by the
shipped policy of the service that owns its table, action and resource (GSI ARNs included),
and provisioning actions are allowed by the provisioning policy only.

The requests come from the observer tests/conftest.py registers for the whole session, so
this module runs last (`runs_last`). A service whose tables saw no request in this session
(a subset of the tests was run) is skipped, not passed: run the whole suite for the proof.
"""

from __future__ import annotations

import pytest

from tests.security.iam import ACCOUNT, DEPLOYED, OWNER, Policy, deployed_name, table_arn
from tests.security.operation_log import OperationLog, Request

pytestmark = pytest.mark.runs_last  # see tests/conftest.py

POLICY_OF = {"discovery": "discovery-service-policy", "search": "search-service-policy"}
PROVISIONING = "provisioning-policy"
# what only the deploy job's `mediamesh tables ...` may do
PROVISIONING_ONLY = ("CreateTable", "DeleteTable", "UpdateTable", "UpdateTimeToLive")
EVERY_ARN = [table_arn(spec.name, index) for spec in DEPLOYED.all() for index in (None, "x")]


def _denied(policy: Policy, requests: list[Request]) -> list[str]:
    denied = []
    for request in requests:
        assert request.table is not None
        arn = table_arn(str(deployed_name(request.table)), request.index)
        if not policy.allows(f"dynamodb:{request.operation}", arn):
            denied.append(f"dynamodb:{request.operation} on {arn} (as {request.table})")
    return denied


def _owned_by(log: OperationLog, service: str) -> list[Request]:
    return sorted(
        r
        for r in log.requests
        if r.table is not None
        and OWNER.get(str(deployed_name(r.table))) == service
        and r.operation not in PROVISIONING_ONLY
    )


@pytest.mark.parametrize("service", ["discovery", "search"])
def test_every_request_to_a_service_table_is_allowed_by_its_policy(
    dynamodb_operations: OperationLog, service: str
) -> None:
    requests = _owned_by(dynamodb_operations, service)
    if not requests:
        pytest.skip(f"no DynamoDB request reached the {service} tables in this session")
    assert _denied(Policy.load(POLICY_OF[service]), requests) == []
    # what the proof covered, shown with -rA
    print(sorted({(r.operation, r.index) for r in requests}))


def test_provisioning_requests_are_allowed_by_the_provisioning_policy(
    dynamodb_operations: OperationLog,
) -> None:
    requests = [r for r in dynamodb_operations.requests if r.operation in PROVISIONING_ONLY]
    if not requests:
        pytest.skip("no table was provisioned in this session")
    assert _denied(Policy.load(PROVISIONING), sorted(requests)) == []
    print(sorted({r.operation for r in requests}))  # what the proof covered, shown with -rA


def test_every_request_names_a_table_of_ours(dynamodb_operations: OperationLog) -> None:
    if not dynamodb_operations.requests:
        pytest.skip("no DynamoDB request in this session")
    strays = [r for r in dynamodb_operations.requests if deployed_name(r.table or "") is None]
    assert strays == []


@pytest.mark.parametrize("service", ["discovery", "search"])
def test_service_policies_grant_no_provisioning_action(service: str) -> None:
    policy = Policy.load(POLICY_OF[service])
    granted = [
        (action, arn)
        for action in PROVISIONING_ONLY
        for arn in EVERY_ARN
        if policy.allows(f"dynamodb:{action}", arn)
    ]
    assert granted == []


@pytest.mark.parametrize("service", ["discovery", "search"])
def test_service_policies_reach_only_their_own_tables(service: str) -> None:
    policy = Policy.load(POLICY_OF[service])
    others = [s for s in DEPLOYED.all() if OWNER[s.name] != service]
    reachable = [s.name for s in others if policy.allows("dynamodb:GetItem", table_arn(s.name))]
    assert reachable == []


def test_the_policy_check_denies_what_it_should() -> None:
    search = Policy.load(POLICY_OF["search"])
    index_arn = table_arn(DEPLOYED.search_index.name, "category-index")
    assert search.allows("dynamodb:Query", index_arn)
    assert search.allows("DynamoDB:query", index_arn)  # actions are case-insensitive
    assert not search.allows("dynamodb:TransactWriteItems", table_arn(DEPLOYED.search_index.name))
    assert not search.allows("dynamodb:Query", table_arn(DEPLOYED.trending.name))
    assert not search.allows("dynamodb:Query", index_arn.replace(ACCOUNT, "210987654321"))
    assert not search.allows("dynamodb:Query", table_arn(DEPLOYED.search_index.name))
