"""deploy/cloudformation/mediamesh.json is what `mediamesh tables cloudformation` renders from
the specs, and cfn-lint finds nothing in it. No AWS: cfn-lint checks against its own bundled
resource schemas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mediamesh.search.metrics import OUTBOX_OLDEST_PENDING
from mediamesh.settings import load_settings
from mediamesh.storage.dynamodb import cloudformation as cfn
from mediamesh.storage.dynamodb.tables import tables_from_settings
from tests.cli.run import mediamesh

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "cloudformation" / "mediamesh.json"
REGENERATE = "regenerate: mediamesh tables cloudformation > deploy/cloudformation/mediamesh.json"


def test_the_checked_in_template_is_the_rendered_one() -> None:
    rendered = cfn.to_json(
        cfn.template(tables_from_settings(load_settings({})), OUTBOX_OLDEST_PENDING)
    )
    assert TEMPLATE.read_text() == rendered, REGENERATE


def test_aws_cloudformation_deploy_takes_it_without_an_s3_bucket() -> None:
    assert len(TEMPLATE.read_bytes()) <= cfn.INLINE_TEMPLATE_BYTES


def test_the_command_prints_the_checked_in_template() -> None:
    result = mediamesh(load_settings({}), "tables", "cloudformation")
    assert result.returncode == 0, result.stderr
    assert result.stdout == TEMPLATE.read_text(), REGENERATE


def test_cfn_lint_finds_nothing() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    # every rule that runs by default, errors and warnings alike: nothing is ignored
    result = subprocess.run(
        [str(cfn_lint), "--", str(TEMPLATE)], capture_output=True, text=True, timeout=300
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
