"""Large inputs are split into requests of at most ``embedding_batch_size`` inputs and put back in input order,
whatever order the server answers in; the async twin keeps at most ``embedding_concurrency`` requests in
flight. A Chat embeds through any EmbeddingsProvider (ChatBuilder.with_embeddings)."""

from __future__ import annotations

import asyncio
import json
import random
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_openrouter import ChatBuilder, ConfigurationError, Embeddings, EmbeddingsProvider, EmbeddingUsage
from chat_openrouter.errors import ServerError
from chat_openrouter.openrouter import OpenRouterAPI
from chat_openrouter.testing import ScriptedProvider, reply
from chat_openrouter.transport import Endpoint, RetryPolicy
from chat_openrouter.transport.base import HttpRequest, HttpResponse

from .._support import Recorder, Reply, Seen, builder


def _vector_of(text: str) -> list[float]:
    return [float(len(text)), float(sum(map(ord, text)) % 997)]


def _shuffling_route(seed: int) -> Any:
    """Answers each batch with its vectors in a random order (their ``index`` says where they go)."""
    rng = random.Random(seed)

    def route(seen: Seen) -> Reply:
        inputs = seen.json["input"]
        data = [{"object": "embedding", "index": i, "embedding": _vector_of(t)} for i, t in enumerate(inputs)]
        rng.shuffle(data)
        usage = {"prompt_tokens": len(inputs), "total_tokens": len(inputs), "cost": round(0.001 * len(inputs), 6)}
        return Reply.json({"object": "list", "model": "m", "data": data, "usage": usage})

    return route


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=40),
    batch=st.integers(1, 9),
    seed=st.integers(0, 1000),
)
def test_any_split_is_reassembled_in_input_order(texts: list[str], batch: int, seed: int) -> None:
    recorder = Recorder(route=_shuffling_route(seed))
    api = OpenRouterAPI(builder(recorder).build(), embedding_model="m", embedding_batch_size=batch)
    result = api.embed_sync(texts)
    assert result.vectors == [_vector_of(t) for t in texts]
    assert [len(s.json["input"]) for s in recorder.seen] == [
        min(batch, len(texts) - start) for start in range(0, len(texts), batch)
    ]
    assert result.usage.prompt_tokens == len(texts)
    assert result.usage.cost == Decimal("0.001") * len(texts)  # exact: no float drift over batches
    async_result = asyncio.run(
        OpenRouterAPI(builder(Recorder(route=_shuffling_route(seed))).build(), embedding_model="m",
                      embedding_batch_size=batch).embed(texts)
    )  # fmt: skip
    assert async_result.vectors == result.vectors


class _GateTransport:
    """An async transport that counts requests in flight (each answers after a few loop turns)."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.in_flight = 0
        self.peak = 0
        self.started = 0
        self.fail_on = fail_on

    async def asend(self, request: HttpRequest, *, max_bytes: int) -> HttpResponse:
        self.started += 1
        number = self.started
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            for _ in range(5):
                await asyncio.sleep(0)
            if number == self.fail_on:
                return HttpResponse(
                    500, {"content-type": "application/json"}, b'{"error":{"code":500,"message":"boom"}}'
                )
            inputs = json.loads(request.json_body or b"{}")["input"]
            data = [{"object": "embedding", "index": i, "embedding": [float(i)]} for i in range(len(inputs))]
            return HttpResponse(
                200, {"content-type": "application/json"}, json.dumps({"data": data}).encode()
            )
        finally:
            self.in_flight -= 1

    def send(self, request: HttpRequest, *, max_bytes: int) -> HttpResponse:
        raise AssertionError("async only")

    def stream(self, request: HttpRequest) -> AbstractContextManager[Any]:
        raise AssertionError("not streamed")

    def astream(self, request: HttpRequest) -> AbstractAsyncContextManager[Any]:
        raise AssertionError("not streamed")

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


def test_async_batches_run_concurrently_within_the_bound() -> None:
    transport = _GateTransport()
    endpoint = Endpoint("http://x/api/v1", transport, retry=RetryPolicy(max_retries=0))  # type: ignore[arg-type]
    api = OpenRouterAPI(endpoint, embedding_model="m", embedding_batch_size=2, embedding_concurrency=3)
    result = asyncio.run(api.embed([f"t{i}" for i in range(20)]))
    assert len(result) == 20 and transport.started == 10
    assert transport.peak == 3  # concurrent, and never more than the bound


def test_the_first_failed_batch_fails_the_call_and_stops_the_rest() -> None:
    transport = _GateTransport(fail_on=2)
    endpoint = Endpoint("http://x/api/v1", transport, retry=RetryPolicy(max_retries=0))  # type: ignore[arg-type]
    api = OpenRouterAPI(endpoint, embedding_model="m", embedding_batch_size=1, embedding_concurrency=2)
    with pytest.raises(ServerError):
        asyncio.run(api.embed([f"t{i}" for i in range(30)]))
    assert transport.started < 30  # the batches not yet started were cancelled


def test_batch_settings_are_checked() -> None:
    client = builder(Recorder([])).build()
    for bad in ({"embedding_batch_size": 0}, {"embedding_concurrency": 0}, {"embedding_batch_size": True}):
        with pytest.raises(ConfigurationError):
            OpenRouterAPI(client, **bad)  # type: ignore[arg-type]


# -- the Chat's embeddings -------------------------------------------------------------------------------
class _FakeEmbeddings:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, str | None, int | None]] = []

    async def embed(
        self, inputs: Any, *, model: str | None = None, dimensions: int | None = None
    ) -> Embeddings:
        return self.embed_sync(inputs, model=model, dimensions=dimensions)

    def embed_sync(
        self, inputs: Any, *, model: str | None = None, dimensions: int | None = None
    ) -> Embeddings:
        self.calls.append((inputs, model, dimensions))
        return Embeddings([[1.0, 0.0]], model=model, usage=EmbeddingUsage(1, 1, 0.0))


def test_a_chat_embeds_with_its_provider_and_default_model() -> None:
    fake = _FakeEmbeddings()
    assert isinstance(fake, EmbeddingsProvider)
    chat = (
        ChatBuilder()
        .with_model(ScriptedProvider([reply("hi")]))
        .with_embeddings(fake, model="acme/embed")
        .build()
    )
    assert chat.embed_sync("x").model == "acme/embed"
    assert asyncio.run(chat.embed("y", model="other/embed", dimensions=8)).model == "other/embed"
    assert fake.calls == [("x", "acme/embed", None), ("y", "other/embed", 8)]
    with pytest.raises(ConfigurationError, match="with_embeddings"):
        ChatBuilder().with_model(ScriptedProvider([])).build().embed_sync("x")
    with pytest.raises(ConfigurationError, match="embed"):
        ChatBuilder().with_embeddings(object())  # type: ignore[arg-type]


def test_the_api_object_is_an_embeddings_provider_for_a_chat() -> None:
    from chat_openrouter.testing.emulator import Emulator

    emulator = Emulator()
    b = builder(Recorder([])).with_transport(emulator.transport()).with_model("emulator/echo")
    client = b.build()
    api = OpenRouterAPI(client)
    assert isinstance(api, EmbeddingsProvider)
    chat = ChatBuilder().with_model(client).with_embeddings(api, model="emulator/embedding").build()
    vectors = chat.embed_sync(["alpha beta", "alpha beta"])
    assert vectors[0] == vectors[1] and vectors.dimensions == 384
    assert chat.complete_sync("hello").text == "hello"
