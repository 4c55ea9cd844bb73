"""Every typed endpoint group end to end over real loopback HTTP (the emulator's HTTP/1.1 server, httpx2's
connection pool, chunked binary bodies), sync and async."""

from __future__ import annotations

import pytest

from chat_openrouter import OpenRouterBuilder
from chat_openrouter.openrouter import OpenRouterAPI
from chat_openrouter.testing.emulator import Emulator
from openrouter.api._scenarios import SCENARIOS, Scenario, Twins


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
