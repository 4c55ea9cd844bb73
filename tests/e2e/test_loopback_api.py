"""Every typed endpoint group end to end over real loopback HTTP (the emulator's HTTP/1.1 server, httpx2's
connection pool, chunked binary bodies), sync and async."""

from __future__ import annotations

import pytest

from chat_openrouter import OpenRouterBuilder
from chat_openrouter.openrouter import OpenRouterAPI
from chat_openrouter.testing.emulator import Emulator
from openrouter.api._scenarios import SCENARIOS, Scenario, Twins, call


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_endpoint_group_over_loopback(name: str, use_async: bool) -> None:
    emulator = Emulator(video_polls=1)
    with emulator.loopback() as server:
        builder = OpenRouterBuilder().with_api_key("sk-or-v1-loopback-test").with_base_url(server.base_url)
        endpoint = builder.build_endpoint()
        with Twins(use_async) as twins:
            try:
                api = OpenRouterAPI(endpoint, embedding_batch_size=4)
                scenario: Scenario = SCENARIOS[name]
                scenario(api, builder, emulator, twins)
            finally:
                if use_async:
                    twins.run(endpoint.transport.aclose())
                endpoint.transport.close()


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_presets_over_loopback(use_async: bool) -> None:
    # The emulator serves no admin API: a scripted server answers with the spec's examples.
    from _spec import assert_valid_request
    from e2e._server import LoopbackServer, ScriptedApp, ScriptedResponse
    from openrouter.api._examples import spec_example

    app = ScriptedApp(
        ScriptedResponse.json(spec_example("POST", "/presets/{slug}/responses")),
        ScriptedResponse.json(spec_example("GET", "/presets/{slug}")),
        ScriptedResponse.json(spec_example("GET", "/presets")),
    )
    with LoopbackServer(app) as server:
        builder = (
            OpenRouterBuilder().with_api_key("sk-or-v1-loopback-test").with_base_url(server.url + "/api/v1")
        )
        client = builder.with_model("openai/gpt-5.4").build()
        api = OpenRouterAPI(client)
        with Twins(use_async) as twins:
            try:
                saved = call(api, "save_preset", twins, "my-preset", client, system="Be brief.")
                one = call(api, "get_preset", twins, "my-preset")
                listed = call(api, "list_presets", twins)
            finally:
                if use_async:
                    twins.run(client.aclose())
                client.close()
    assert saved.slug == one.slug == listed[0].slug == "my-preset"
    assert [r.path for r in app.requests] == [
        "/api/v1/presets/my-preset/responses",
        "/api/v1/presets/my-preset",
        "/api/v1/presets",
    ]
    assert_valid_request(app.requests[0].json(), "ResponsesRequest")
