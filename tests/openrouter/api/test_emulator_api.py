"""Every typed endpoint group against the emulator, in-process, sync and async; the emulator rejects any
request body the spec rejects (``validator=spec_errors``), so every body sent here is spec-valid."""

from __future__ import annotations

import pytest

from _spec import spec_errors
from chat_openrouter import OpenRouterBuilder
from chat_openrouter.openrouter import OpenRouterAPI
from chat_openrouter.testing.emulator import Emulator

from ._scenarios import SCENARIOS, Scenario, Twins


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_endpoint_group_against_the_emulator(name: str, use_async: bool) -> None:
    emulator = Emulator(validator=spec_errors, video_polls=1)
    builder = OpenRouterBuilder().with_api_key("sk-or-v1-emulator-test").with_transport(emulator.transport())
    api = OpenRouterAPI(builder.build_endpoint(), embedding_batch_size=4)
    scenario: Scenario = SCENARIOS[name]
    with Twins(use_async) as twins:
        scenario(api, builder, emulator, twins)


def test_management_endpoints_answer_403_to_other_keys() -> None:
    from chat_openrouter import PermissionDeniedError

    emulator = Emulator(api_keys={"sk-or-v1-app"}, management_keys={"sk-or-v1-admin"})
    app = OpenRouterBuilder().with_api_key("sk-or-v1-app").with_transport(emulator.transport()).build_api()
    for call in (app.list_keys_sync, app.get_activity_sync, app.get_credits_sync):
        with pytest.raises(PermissionDeniedError, match="management"):
            call()
    admin = (
        OpenRouterBuilder().with_api_key("sk-or-v1-admin").with_transport(emulator.transport()).build_api()
    )
    assert admin.list_keys_sync() == []
