"""A property-based run of the OpenAPI schema (schemathesis): no input makes the API answer 5xx.

For every operation in the schema, schemathesis generates requests -- ones that follow the
schema and ones that break it -- and sends them, with a key holding both scopes, to the app
serving the fixture portfolio from the embedded store. (Driven through Hypothesis directly:
schemathesis's pytest plugin does not run on pytest 9 yet.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from api.app import create_app
from core.deployment import load_deployment
from tests.api.conftest import WRITE_KEY, prepare

EXAMPLES = 25  # per operation and mode
PERIOD = "2025-01-01..2025-03-31"


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("fuzz")
    config = prepare(folder, "{backend: embedded, embedded: {path: data.sqlite}}")
    app = create_app(load_deployment(config), installed_plugins=False)
    with TestClient(app):  # the lifespan opens the store and register for every call below
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_makes_the_api_fail(api_schema: Any, mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14
    calls: dict[str, int] = {}
    for operation in operations:
        check_operation(operation, mode, calls)
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    assert set(calls) == labels  # every operation was tried
    assert sum(1 for count in calls.values() if count > 0) >= 10


def check_operation(operation: Any, mode: GenerationMode, calls: dict[str, int]) -> None:
    """Generated requests; where a period is asked for, also with a valid one, so the
    generated values of the other parameters reach the code behind the period check."""
    check_with(operation, mode, calls)
    names = {(p.location, p.name) for p in operation.iter_parameters()}
    if ("query", "period") in names:
        check_with(operation, mode, calls, query={"period": PERIOD})
    if ("path", "period") in names:
        check_with(operation, mode, calls, path_parameters={"period": PERIOD})


def check_with(
    operation: Any, mode: GenerationMode, calls: dict[str, int], **fixed: dict[str, str]
) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    calls.setdefault(label, 0)

    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers={"X-API-Key": WRITE_KEY})
        calls[label] = calls.get(label, 0) + 1
        assert response.status_code < 500, (
            f"{label} path={case.path_parameters} query={case.query} body={case.body} "
            f"-> {response.status_code}: {response.text[:400]}"
        )

    try:
        check()
    except Unsatisfiable:  # nothing to break: no parameters and no body (GET /health)
        assert mode is GenerationMode.NEGATIVE
