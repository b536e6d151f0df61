"""Property-based fuzz of the API's own OpenAPI schema (schemathesis): whatever the schema allows, and the
malformed cases schemathesis derives from it, never get a 5xx, and every error is JSON ``{"error": ...}``.

Bounded: a few cases per operation against the fake assistant (fast), more against the real one (slow)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from api_fakes import FakeAssistant
from borderqa.api import create_app
from borderqa.config import Settings

FAKE_EXAMPLES = 5
REAL_EXAMPLES = 25
fake_schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(FakeAssistant()))  # type: ignore[arg-type]


def errors_are_json(ctx: Any, response: Any, case: Any) -> bool:
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and "error" in body, f"{response.status_code}: {response.text[:200]}"
    return True


@fake_schema.parametrize()
@settings(max_examples=FAKE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_fake(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error, errors_are_json])


@pytest.mark.slow
def test_fuzz_real() -> None:
    """The same fuzz through the real assistant (real index, embedder, extractive answers)."""
    from borderqa.assistant import Assistant

    settings_ = Settings.load()
    assistant = Assistant.from_settings(settings_)
    assistant.warm_up()
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(assistant, settings_))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=REAL_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error, errors_are_json])

        run()
