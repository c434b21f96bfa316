"""`mediamesh tables create|verify|delete`: provisioning, a separate step from serving; `show`,
`policy` and `cloudformation` print what the specs define, without an AWS call."""

from __future__ import annotations

import typer

from mediamesh.cli.runtime import dynamodb, fail, out, run, settings
from mediamesh.errors import MediaMeshError
from mediamesh.search.metrics import OUTBOX_OLDEST_PENDING
from mediamesh.storage.dynamodb import cloudformation as cfn
from mediamesh.storage.dynamodb import iam
from mediamesh.storage.dynamodb.provisioning import create_table, delete_table, verify_table
from mediamesh.storage.dynamodb.tables import describe_markdown, tables_from_settings

app = typer.Typer(
    help="Provision the DynamoDB tables (names from DYNAMODB_TABLE_*).", no_args_is_help=True
)


@app.command()
def create() -> None:
    """Create the tables if missing, wait until ACTIVE and enable TTL. Idempotent."""
    cfg = settings()

    async def go() -> None:
        async with dynamodb(cfg) as (client, conn):
            for spec in tables_from_settings(cfg).all():
                outcome = await create_table(client, conn, spec)
                out.print(f"{spec.name}: {outcome}, ACTIVE, TTL on {spec.ttl_attribute!r}")

    run(go())


@app.command()
def verify() -> None:
    """Check key schema, GSIs and TTL of every table; exit 1 on any difference."""
    cfg = settings()

    async def go() -> bool:
        ok = True
        async with dynamodb(cfg) as (client, conn):
            for spec in tables_from_settings(cfg).all():
                report = await verify_table(client, conn, spec)
                if report.ok:
                    out.print(f"[green]ok[/] {spec.name}")
                    continue
                ok = False
                for problem in report.problems:
                    out.print(f"[red]problem[/] {spec.name}: {problem}", highlight=False)
        return ok

    if not run(go()):
        fail(
            "tables differ from the spec: run `mediamesh tables create` (it fixes missing "
            "tables and TTL; a wrong key schema needs `mediamesh tables delete --yes` first)"
        )


@app.command()
def delete(
    yes: bool = typer.Option(False, "--yes", help="Confirm: this deletes all their data."),
) -> None:
    """Delete the three tables."""
    if not yes:
        fail("this deletes the tables and their data: add --yes to confirm")
    cfg = settings()

    async def go() -> None:
        async with dynamodb(cfg) as (client, conn):
            for spec in tables_from_settings(cfg).all():
                existed = await delete_table(client, conn, spec)
                out.print(f"{spec.name}: {'deleted' if existed else 'did not exist'}")

    run(go())


@app.command()
def show() -> None:
    """Print the table specs (from the settings) as Markdown; no AWS call."""
    print(describe_markdown(tables_from_settings(settings())), end="")


@app.command()
def policy(
    role: str = typer.Argument(..., help="discovery, search or provisioning"),
    account: str | None = typer.Option(
        None, "--account", envvar="AWS_ACCOUNT_ID", help="The 12-digit AWS account id."
    ),
    template: bool = typer.Option(
        False, "--template", help="Placeholders instead of values: the files in deploy/iam/."
    ),
) -> None:
    """Print the IAM policy of a role for AWS_REGION and the DYNAMODB_TABLE_* names; no AWS
    call. Exactly the actions the role calls (docs/SECURITY.md, "IAM")."""
    if role not in iam.ROLES:
        fail(f"unknown role {role!r}: choose one of {', '.join(iam.ROLES)}")
    cfg = settings()
    tables = tables_from_settings(cfg)
    if template:
        document = iam.template(role, tables)
    elif not account:
        fail("the policy needs the account id: --account 123456789012 (or AWS_ACCOUNT_ID)")
    else:
        try:
            document = iam.policy(role, tables, cfg.aws_region, account)
        except MediaMeshError as exc:
            fail(exc.message)
    print(iam.to_json(document), end="")


@app.command()
def cloudformation() -> None:
    """Print the CloudFormation template of the tables, the services' IAM roles and alarms
    (JSON; the DYNAMODB_TABLE_* names are its parameters' defaults); no AWS call. What
    deploy/cloudformation/mediamesh.json holds (docs/DEPLOYING_AWS.md)."""
    template = cfn.template(tables_from_settings(settings()), OUTBOX_OLDEST_PENDING)
    print(cfn.to_json(template), end="")
