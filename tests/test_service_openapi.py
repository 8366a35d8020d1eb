"""Schemathesis against the service's own OpenAPI description, on a live service over loopback:
whatever the generated request, no 5xx, and every answer matches the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import TOY_ROOT
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from service_support import LiveService, live_service

from harness.content import CONTENT_ENV

#: No 5xx, and every answer (status, content type, headers, body) as described. Not whether a
#: schema-valid request is accepted: a well-formed upload of an unknown exercise is rightly a 422.
CHECKS = [
    checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
    checks.response_headers_conformance, checks.response_schema_conformance,
]  # fmt: skip


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CONTENT_ENV, str(TOY_ROOT))
        with live_service(Path(tmp_path_factory.mktemp("openapi")) / "service") as service:
            yield service


def test_no_answer_is_a_5xx_or_off_its_schema(running: LiveService) -> None:
    """Every operation, with generated requests (bounded), authorised as one tenant."""
    schema = schemathesis.openapi.from_url(f"{running.url}/openapi.json")
    headers = {"Authorization": f"Bearer {running.keys['acme']}"}
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
