"""SQL safety: values only ever travel as bound parameters, and no user text reaches a
tsquery parser that can raise.

1. Statically: no call that runs SQL (asyncpg's execute/fetch/...) builds its statement at
   the call site from anything but module constants (an f-string, `%` or `.format` of
   UPPER_CASE names is how identifiers and tunables are spliced in; a variable is not).
2. Dynamically: any text a user can type, through the real PostgreSQL path, is answered
   with a 200, never a tsquery syntax error (websearch_to_tsquery and the quoted-lexeme
   prefix query accept anything; see search/postgres/sql.py).
"""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediamesh.search.models import MAX_QUERY_LENGTH
from mediamesh.settings import Settings
from tests.support import api_client

SRC = Path(__file__).resolve().parents[2] / "src" / "mediamesh"
RUNS_SQL = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "prepare", "cursor"}


def _constant(node: ast.expr) -> bool:
    """A literal, or a name/attribute spelled in UPPER_CASE (a module constant)."""
    if isinstance(node, ast.Constant):
        return True
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return bool(name) and name.lstrip("_").isupper()


def _built_from_variables(statement: ast.expr) -> bool:
    if isinstance(statement, ast.JoinedStr):
        values = [v.value for v in statement.values if isinstance(v, ast.FormattedValue)]
        return not all(_constant(v) for v in values)
    if isinstance(statement, ast.BinOp) and isinstance(statement.op, ast.Mod | ast.Add):
        return not (_constant(statement.right) and _constant(statement.left))
    if isinstance(statement, ast.Call) and getattr(statement.func, "attr", "") == "format":
        arguments = [*statement.args, *(k.value for k in statement.keywords)]
        return not all(_constant(a) for a in arguments)
    return False


# Reviewed exceptions: (file, function) → why the spliced value is safe. CREATE/DROP DATABASE
# take no parameters; the name comes from DATABASE_URL (the operator's configuration, never a
# request) and is quoted as an identifier ("" doubled).
REVIEWED = {
    ("storage/postgres.py", "ensure_database"): "database name from DATABASE_URL, quoted",
    ("storage/postgres.py", "drop_database"): "database name from DATABASE_URL, quoted",
    # DDL and VACUUM take no bind parameters: the names are PostgreSQL's own (regclass::text,
    # quoted by it) or constants of our own
    ("discovery/events/retention_repository.py", "drop_partitions_before"): "pg_inherits name",
    ("storage/postgres_maintenance.py", "vacuum_analyze"): "table name constants of ours",
    # ANALYZE takes no bind parameter: the name is pg_stat_user_tables', quoted ("" doubled)
    ("storage/postgres_maintenance.py", "analyze"): "table name from PostgreSQL, quoted",
}


def _sql_calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    """(enclosing function, call) for each call that runs SQL."""
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in RUNS_SQL
                and node.args
            ):
                found.append((function.name, node))
    return found


def test_sql_is_never_built_from_variables_at_the_call_site() -> None:
    offenders = []
    checked = 0
    for path in sorted(SRC.rglob("*.py")):
        relative = str(path.relative_to(SRC))
        for function, call in _sql_calls(ast.parse(path.read_text())):
            checked += 1
            if _built_from_variables(call.args[0]) and (relative, function) not in REVIEWED:
                offenders.append(f"{relative}:{call.lineno} in {function}")
    assert checked > 30  # the walk did find the SQL calls
    assert offenders == []


def test_the_check_catches_a_value_spliced_into_sql() -> None:
    bad = ast.parse('conn.fetch(f"SELECT * FROM t WHERE id = {content_id}")').body[0]
    good = ast.parse('conn.fetch(f"SET x = {TIMEOUT_MS}", content_id)').body[0]
    assert isinstance(bad, ast.Expr) and isinstance(bad.value, ast.Call)
    assert isinstance(good, ast.Expr) and isinstance(good.value, ast.Call)
    assert _built_from_variables(bad.value.args[0])
    assert not _built_from_variables(good.value.args[0])
    assert _built_from_variables(ast.parse('"a %s" % name', mode="eval").body)


@pytest.fixture(scope="module")
async def postgres_client(provisioned: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Search answered by PostgreSQL alone (DynamoDB off), so every query reaches tsquery."""
    settings = provisioned.model_copy(update={"dynamodb_enabled": False})
    async with api_client(settings, "search") as client:
        yield client


TYPED = st.text(
    st.characters(codec="utf-8") | st.sampled_from(list("&|!():*<->'\"\\-_ \t")),
    max_size=MAX_QUERY_LENGTH,
)


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],  # it would time the machine
)
@given(q=TYPED)
async def test_no_typed_text_breaks_the_tsquery(postgres_client: httpx.AsyncClient, q: str) -> None:
    for path in ("/v1/search", "/v1/search/suggest"):
        response = await postgres_client.get(path, params={"q": q})
        assert response.status_code == 200, (path, q, response.text)
        assert response.json()["query"] == q
