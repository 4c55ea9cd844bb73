"""One scenario per endpoint group, run against the emulator in-process (test_emulator_api) and over real
loopback HTTP (tests/e2e/test_loopback_api), each in its sync and its async form.

A scenario takes the API object, the builder it came from (for more clients alike), the emulator behind
it and whether to use the async twins, and asserts
what a user would: equal texts embed equally, the relevant document ranks first, speech transcribes
back to its text, a video job completes and downloads, a created key works.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from chat_openrouter import FilePart, OpenRouterBuilder, TextPart, messages
from chat_openrouter.openrouter import OpenRouterAPI
from chat_openrouter.testing.emulator import Emulator

T = TypeVar("T")
Scenario = Callable[[OpenRouterAPI, OpenRouterBuilder, Emulator, "Twins"], None]


class Twins:
    """Which twin a scenario uses: ``x_sync(...)``, or ``await x(...)`` on one event loop kept for the whole
    scenario (in a thread), so pooled async connections outlive a single call, as in a real program."""

    def __init__(self, use_async: bool) -> None:
        self.use_async = use_async
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Twins:
        if self.use_async:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def run(self, coroutine: Awaitable[T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)  # type: ignore[arg-type]


def call(api: OpenRouterAPI, name: str, twins: Twins, *args: Any, **kwargs: Any) -> Any:
    """``api.<name>(...)`` awaited, or ``api.<name>_sync(...)``: the twins must agree."""
    if twins.use_async:
        method: Callable[..., Awaitable[Any]] = getattr(api, name)
        return twins.run(method(*args, **kwargs))
    return getattr(api, f"{name}_sync")(*args, **kwargs)


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def embeddings(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    texts = ["How do I reset my router?", "Resetting your router", "A symphony in D minor"] * 3
    result = call(api, "embed", twins, texts, model="emulator/embedding")
    assert len(result) == 9 and result.dimensions == 384
    assert len(result.generation_ids) == 3  # batch size 4 in these tests: 4 + 4 + 1 inputs
    query, near, far = result[:3]
    assert result[3] == query and result[8] == far  # reassembled in input order across the batches
    assert _cosine(query, near) > _cosine(query, far)
    assert result.usage.cost is not None and result.usage.cost > 0
    assert (
        result.usage.prompt_tokens
        == sum(
            call(api, "embed", twins, t, model="emulator/embedding").usage.prompt_tokens for t in texts[:3]
        )
        * 3
    )
    small = call(
        api, "embed", twins, "hello", model="emulator/embedding", dimensions=32, encoding_format="base64"
    )
    plain = call(api, "embed", twins, "hello", model="emulator/embedding", dimensions=32)
    assert small.dimensions == 32 and all(abs(a - b) < 1e-6 for a, b in zip(small[0], plain[0], strict=True))
    multimodal = call(
        api,
        "embed",
        twins,
        [[TextPart("a cat"), FilePart.from_bytes(b"\x89PNG\r\n\x1a\n", "image/png")]],
        model="emulator/embedding",
    )
    assert len(multimodal) == 1
    assert [m.id for m in call(api, "list_embedding_models", twins)] == ["emulator/embedding"]


def rerank(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    docs = ["Berlin is in Germany", "Paris is the capital of France", "Rome is old"]
    ranked = call(api, "rerank", twins, "capital of France", docs, model="emulator/rerank", top_n=2)
    assert ranked.indices[0] == 1 and len(ranked) == 2
    assert ranked[0].text == docs[1] and ranked.usage.cost is not None and ranked.provider == "Emulator"


def images(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    made = call(
        api,
        "generate_images",
        twins,
        "a red cat",
        model="emulator/image-generation",
        n=2,
        aspect_ratio="16:9",
        seed=1,
    )
    assert len(made.images) == 2 and all(p.data and p.data[:4] == b"\x89PNG" for p in made.images)
    assert made.usage.cost and made.generation_id
    svg = call(
        api, "generate_images", twins, "a red cat", model="emulator/image-generation", output_format="svg"
    )
    assert svg.images[0].mime_type == "image/svg+xml"
    models = call(api, "list_image_models", twins)
    assert "emulator/image-generation" in [m.id for m in models]
    [endpoint] = call(api, "list_image_model_endpoints", twins, "emulator/image-generation")
    assert endpoint.provider_name == "Emulator"


def audio(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    speech = call(
        api, "speech", twins, "hello world", model="emulator/speech", voice="alloy", response_format="mp3"
    )
    assert speech.media_type == "audio/mpeg" and speech.data[:3] == b"ID3"
    if twins.use_async:

        async def stream() -> tuple[list[bytes], str | None]:
            async with api.stream_speech(
                "hello world", model="emulator/speech", response_format="mp3"
            ) as audio:
                return [chunk async for chunk in audio], audio.content_type

        chunks, content_type = twins.run(stream())
    else:
        with api.stream_speech_sync("hello world", model="emulator/speech", response_format="mp3") as audio:
            chunks, content_type = list(audio), audio.content_type
    assert len(chunks) > 1 and b"".join(chunks) == speech.data and content_type == "audio/mpeg"
    heard = call(
        api,
        "transcribe",
        twins,
        speech.data,
        model="emulator/transcription",
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )
    assert heard.text == "hello world" and [w.word for w in heard.words] == ["hello", "world"]
    assert heard.usage.seconds and heard.generation_id


def videos(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    job = call(api, "create_video", twins, "a sunset", model="emulator/video", duration=2)
    assert job.status == "pending"
    done = call(api, "wait_for_video", twins, job, poll_interval=0.01, max_interval=0.02, timeout=30)
    assert done.status == "completed" and done.urls and done.cost
    video = call(api, "download_video", twins, done)
    assert video[4:8] == b"ftyp"
    again = call(
        api, "generate_video", twins, "a sunrise", model="emulator/video", timeout=30, poll_interval=0.01
    )
    assert again.status == "completed"
    assert [m.id for m in call(api, "list_video_models", twins)] == ["emulator/video"]


def discovery(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    found = call(api, "list_model_endpoints", twins, "emulator/tools")
    [endpoint] = found.endpoints
    assert endpoint.provider_name == "Emulator" and endpoint.supports("tools") and endpoint.serving
    assert endpoint.latency_last_30m is not None and endpoint.pricing.prompt is not None
    assert call(api, "get_model_endpoints", twins, "emulator/nope") is None
    assert [p.slug for p in call(api, "list_providers", twins)] == ["emulator"]
    count = call(api, "count_models", twins)
    assert count == len(call(api, "list_user_models", twins)) > 0
    assert call(api, "count_models", twins, output_modalities="all") >= count
    assert call(api, "list_zdr_endpoints", twins)
    assert call(api, "fetch_model", twins, "emulator/echo").id == "emulator/echo"


def account(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    client = builder.with_model("emulator/echo").build()
    response = client.complete_sync(messages.from_user("hello there"))
    assert response.generation_id
    content = call(api, "get_generation_content", twins, response.generation_id)
    assert content.completion == "hello there"
    assert (
        call(api, "send_generation_feedback", twins, response.generation_id, "other", comment="fine") is True
    )
    days = call(api, "get_activity", twins)
    assert any(d.model == "emulator/echo" and d.requests for d in days)


def keys(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    created = call(api, "create_key", twins, "ci-runner", limit=5, limit_reset="daily")
    assert created.info.name == "ci-runner" and created.info.limit == 5
    new_key = created.key.get()
    assert new_key not in repr(created)
    other = builder.with_api_key(new_key).build_api()
    assert other.get_key_sync().limit == 5  # the key works
    assert created.info.hash in [k.hash for k in call(api, "list_keys", twins)]
    assert call(api, "get_api_key", twins, created.info.hash).name == "ci-runner"
    disabled = call(api, "update_key", twins, created.info.hash, disabled=True, limit=None)
    assert disabled.disabled is True and disabled.limit is None
    assert created.info.hash not in [k.hash for k in call(api, "list_keys", twins)]
    assert created.info.hash in [k.hash for k in call(api, "list_keys", twins, include_disabled=True)]
    assert call(api, "delete_key", twins, created.info.hash) is True


def app_auth(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    auth = api.authorization_url("http://localhost:8765/callback")
    code = parse_qs(urlsplit(emulator.authorize(auth.url)).query)["code"][0]
    user = call(api, "exchange_code", twins, code, code_verifier=auth.code_verifier)
    assert user.user_id
    theirs = builder.with_api_key(user.key.get()).build_api()
    assert theirs.get_key_sync().label is not None
    server_code = call(api, "create_auth_code", twins, "http://localhost:8765/callback")
    assert call(api, "exchange_code", twins, server_code.id, code_verifier=None).key.get()


def generic(api: OpenRouterAPI, builder: OpenRouterBuilder, emulator: Emulator, twins: Twins) -> None:
    body = call(api, "request", twins, "GET", "models/count", params={"output_modalities": "all"})
    assert body["data"]["count"] == call(api, "count_models", twins, output_modalities="all")
    from chat_openrouter import NotFoundError

    try:
        call(api, "request", twins, "GET", "guardrails")
    except NotFoundError:
        pass
    else:  # pragma: no cover - the emulator serves no admin API
        raise AssertionError("expected a 404 from an unserved path")


SCENARIOS: dict[str, Scenario] = {
    "embeddings": embeddings,
    "rerank": rerank,
    "images": images,
    "audio": audio,
    "videos": videos,
    "discovery": discovery,
    "account": account,
    "keys": keys,
    "app_auth": app_auth,
    "generic": generic,
}
