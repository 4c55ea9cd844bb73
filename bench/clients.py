"""One adapter per client under test: how to build it, send one request, and consume one stream.

Every adapter does the same user-level work, so the numbers compare like with like:

* ``request()``: one non-streaming call, returns the answer text;
* ``stream()`` / ``astream()``: one streaming call, consumed to the end; returns how many text deltas
  the caller saw (the worker checks it equals what the server sent, so no client can win by skipping);
* imports happen inside :func:`make`, so a worker process only loads the client it measures.

``ready_snippet`` is the code a fresh interpreter runs for the ready-to-call measurement: import the
client and build it, exactly what an application does before its first call.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# LiteLLM downloads a model price map from GitHub at import time unless told not to; the bench makes
# no traffic beyond 127.0.0.1, and the download would dominate its import time anyway.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

PROMPT = "Tell me about Mars."
API_KEY = "sk-or-v1-bench"


@dataclass(frozen=True)
class Spec:
    """A client as the tables name it."""

    name: str  # internal id: ours, openai, openrouter, pydantic_ai, litellm, floor
    label: str  # shown in the tables
    wires: tuple[str, ...]  # "chat" and/or "responses"
    asynchronous_streams: bool = False  # per-chunk CPU measured with async iteration (no sync stream API)
    missing_wires: Mapping[str, str] = field(default_factory=dict)  # wire -> why the client lacks it
    unstreamed_wires: Mapping[str, str] = field(default_factory=dict)  # wire -> why its stream is not timed
    json_backend: str = ""  # CHAT_OPENROUTER_JSON for this client's worker ("" = the default, auto)

    @property
    def stream_wires(self) -> tuple[str, ...]:
        return tuple(w for w in self.wires if w not in self.unstreamed_wires)

    def unsupported(self, task: str) -> dict[str, str]:
        """Wires this client is not timed on for ``task``, with the reason shown in the table."""
        reasons = dict(self.missing_wires)
        if task == "stream":
            reasons.update(self.unstreamed_wires)
        return reasons


SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec("floor", "floor: raw httpx2 + json.loads", ("chat", "responses")),
        Spec("ours", "chat-openrouter (ours)", ("chat", "responses")),
        # The same client with the stdlib's json even though orjson is installed (issue 18's "without the
        # fast extra" targets).
        Spec(
            "ours_stdlib", "chat-openrouter (ours), stdlib JSON", ("chat", "responses"), json_backend="stdlib"
        ),
        Spec("ours_no_deadline", "chat-openrouter (ours), with_timeouts(total=None)", ("chat", "responses")),
        # Tracing is on by default when opentelemetry-api is importable (the bench venv has it, through
        # pydantic-ai): `ours` is the default, this row the same client with tracing switched off.
        Spec("ours_tracing_off", "chat-openrouter (ours), with_tracing(False)", ("chat", "responses")),
        Spec("openai", "openai-python", ("chat", "responses")),
        Spec("openrouter", "openrouter (official SDK)", ("chat", "responses")),
        Spec(
            "pydantic_ai",
            "pydantic-ai",
            ("chat",),
            asynchronous_streams=True,
            missing_wires={"responses": "its OpenRouterModel speaks Chat Completions only"},
        ),
        Spec(
            "litellm",
            "litellm",
            ("chat", "responses"),
            unstreamed_wires={
                "responses": "fakes the stream: sends a non-stream request and re-chunks the answer "
                "(1,076 five-character deltas for a 2,000-delta stream)"
            },
        ),
    )
}

# -- ready-to-call snippets (run with `python -c`; {url} is the loopback base URL) ----------------------
READY: dict[str, str] = {
    "python": "pass",
    "floor": "import httpx2, pydantic",
    "ours/responses": (
        "from chat_openrouter import OpenRouterBuilder\n"
        "c = OpenRouterBuilder().with_api_key('{key}').with_base_url('{url}').with_model('bench/n20').build()"
    ),
    "ours/chat": (
        "from chat_openrouter import OpenRouterBuilder\n"
        "c = OpenRouterBuilder().with_completions().with_api_key('{key}').with_base_url('{url}')"
        ".with_model('bench/n20').build()"
    ),
    "openai": "import openai\nc = openai.OpenAI(api_key='{key}', base_url='{url}')",
    "openrouter": "from openrouter import OpenRouter\nc = OpenRouter(api_key='{key}', server_url='{url}')",
    "pydantic_ai": (
        "from openai import AsyncOpenAI\n"
        "from pydantic_ai import Agent\n"
        "from pydantic_ai.models.openrouter import OpenRouterModel\n"
        "from pydantic_ai.providers.openrouter import OpenRouterProvider\n"
        "c = Agent(OpenRouterModel('bench/n20', provider=OpenRouterProvider("
        "openai_client=AsyncOpenAI(api_key='{key}', base_url='{url}'))))"
    ),
    "litellm": "import litellm",
}

# The same, plus one non-streaming call: a lazily-loaded client pays its deferred imports here.
FIRST_CALL: dict[str, str] = {
    "floor": (
        "import httpx2, json\n"
        "c = httpx2.Client()\n"
        "r = c.post('{url}/chat/completions', content=json.dumps({{'model': 'bench/n20', 'messages': "
        "[{{'role': 'user', 'content': 'hi'}}]}}).encode(), headers={{'Authorization': 'Bearer {key}', "
        "'Content-Type': 'application/json'}})\n"
        "json.loads(r.content)['choices'][0]['message']['content']"
    ),
    "ours/responses": READY["ours/responses"] + "\nfrom chat_openrouter import messages\n"
    "c.complete_sync(messages.from_user('hi')).text",
    "ours/chat": READY["ours/chat"] + "\nfrom chat_openrouter import messages\n"
    "c.complete_sync(messages.from_user('hi')).text",
    "openai": READY["openai"] + "\nc.chat.completions.create(model='bench/n20', "
    "messages=[{{'role': 'user', 'content': 'hi'}}]).choices[0].message.content",
    "openrouter": READY["openrouter"] + "\nc.chat.send(model='bench/n20', "
    "messages=[{{'role': 'user', 'content': 'hi'}}]).choices[0].message.content",
    "pydantic_ai": READY["pydantic_ai"] + "\nc.run_sync('hi').output",
    "litellm": READY["litellm"] + "\nlitellm.completion(model='openrouter/bench/n20', api_base='{url}', "
    "api_key='{key}', messages=[{{'role': 'user', 'content': 'hi'}}]).choices[0].message.content",
}


class Client:
    """The interface the worker drives. ``model`` picks the server's canned stream shape."""

    def request(self) -> str:
        raise NotImplementedError

    def stream(self) -> int:
        raise NotImplementedError

    async def astream(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


# -- the floor ------------------------------------------------------------------------------------------
class Floor(Client):
    """What any client must do at least: POST with httpx2, split SSE lines, ``json.loads`` each event."""

    def __init__(self, base_url: str, wire: str, model: str) -> None:
        import httpx2

        self.wire = wire
        self.url = f"{base_url}/{'chat/completions' if wire == 'chat' else 'responses'}"
        self.headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        message = {"role": "user", "content": PROMPT}
        if wire == "chat":
            self.body = {"model": model, "messages": [message]}
            self.stream_body = {**self.body, "stream": True, "stream_options": {"include_usage": True}}
        else:
            self.body = {"model": model, "input": [message]}
            self.stream_body = {**self.body, "stream": True}
        self.client = httpx2.Client(timeout=120)
        # The same pool size openai-python uses, so 1,000 concurrent streams fit.
        self.async_client = httpx2.AsyncClient(
            timeout=120, limits=httpx2.Limits(max_connections=1000, max_keepalive_connections=100)
        )

    def request(self) -> str:
        response = self.client.post(self.url, content=json.dumps(self.body).encode(), headers=self.headers)
        data = json.loads(response.content)
        if self.wire == "chat":
            return str(data["choices"][0]["message"]["content"])
        return str(data["output"][0]["content"][0]["text"])

    def _delta(self, line: str, out: list[str]) -> bool:
        if not line.startswith("data: "):
            return True
        payload = line[6:]
        if payload == "[DONE]":
            return False
        event = json.loads(payload)
        if self.wire == "chat":
            choices = event.get("choices")
            if choices:
                text = choices[0].get("delta", {}).get("content")
                if text:
                    out.append(text)
        elif event.get("type") == "response.output_text.delta":
            out.append(event["delta"])
        return True

    def stream(self) -> int:
        out: list[str] = []
        body = json.dumps(self.stream_body).encode()
        with self.client.stream("POST", self.url, content=body, headers=self.headers) as response:
            for line in response.iter_lines():
                if not self._delta(line, out):
                    break
        self.last_text = "".join(out)  # a client assembles the answer too
        return len(out)

    async def astream(self) -> int:
        out: list[str] = []
        body = json.dumps(self.stream_body).encode()
        async with self.async_client.stream("POST", self.url, content=body, headers=self.headers) as response:
            async for line in response.aiter_lines():
                if not self._delta(line, out):
                    break
        self.last_text = "".join(out)  # a client assembles the answer too
        return len(out)

    def close(self) -> None:
        self.client.close()

    async def aclose(self) -> None:
        await self.async_client.aclose()


# -- ours -----------------------------------------------------------------------------------------------
class Ours(Client):
    def __init__(self, base_url: str, wire: str, model: str) -> None:
        from chat_openrouter import OpenRouterBuilder, TextChunk, messages

        builder = OpenRouterBuilder().with_api_key(API_KEY).with_base_url(base_url).with_model(model)
        if wire == "chat":
            builder = builder.with_completions()
        self.client = builder.build()
        self.messages = messages.from_user(PROMPT)
        self.text_chunk = TextChunk

    def request(self) -> str:
        return self.client.complete_sync(self.messages).text

    def stream(self) -> int:
        n = 0
        text_chunk = self.text_chunk
        for event in self.client.stream_sync(self.messages):
            if isinstance(event, text_chunk):
                n += 1
        return n

    async def astream(self) -> int:
        n = 0
        text_chunk = self.text_chunk
        async for event in self.client.stream(self.messages):
            if isinstance(event, text_chunk):
                n += 1
        return n

    def close(self) -> None:
        self.client.close()

    async def aclose(self) -> None:
        await self.client.aclose()


class OursTracingOff(Ours):
    """Ours with tracing switched off (``with_tracing(False)``), to show what the default tracing costs
    per request and per chunk. On a build without tracing it is ``ours`` again (``tracing_available``)."""

    def __init__(self, base_url: str, wire: str, model: str) -> None:
        from chat_openrouter import OpenRouterBuilder, TextChunk, messages

        builder = OpenRouterBuilder().with_api_key(API_KEY).with_base_url(base_url).with_model(model)
        self.tracing_available = hasattr(builder, "with_tracing")
        if self.tracing_available:
            builder = builder.with_tracing(False)
        if wire == "chat":
            builder = builder.with_completions()
        self.client = builder.build()
        self.messages = messages.from_user(PROMPT)
        self.text_chunk = TextChunk


class OursWithoutDeadline(Ours):
    """Ours with the overall call deadline switched off (``with_timeouts(total=None)``): a diagnostic
    row that shows what the sync deadline watchdog costs per request (see docs/performance.md)."""

    def __init__(self, base_url: str, wire: str, model: str) -> None:
        from chat_openrouter import OpenRouterBuilder, TextChunk, messages

        builder = OpenRouterBuilder().with_api_key(API_KEY).with_base_url(base_url).with_model(model)
        builder = builder.with_timeouts(total=None)
        if wire == "chat":
            builder = builder.with_completions()
        self.client = builder.build()
        self.messages = messages.from_user(PROMPT)
        self.text_chunk = TextChunk


# -- openai-python --------------------------------------------------------------------------------------
class OpenAIPython(Client):
    def __init__(self, base_url: str, wire: str, model: str) -> None:
        import openai

        self.wire = wire
        self.model = model
        self.client = openai.OpenAI(api_key=API_KEY, base_url=base_url)
        self.async_client = openai.AsyncOpenAI(api_key=API_KEY, base_url=base_url)
        self.messages: Any = [{"role": "user", "content": PROMPT}]

    def request(self) -> str:
        if self.wire == "chat":
            completion = self.client.chat.completions.create(model=self.model, messages=self.messages)
            return completion.choices[0].message.content or ""
        return self.client.responses.create(model=self.model, input=self.messages).output_text

    def stream(self) -> int:
        n = 0
        if self.wire == "chat":
            for chunk in self.client.chat.completions.create(
                model=self.model, messages=self.messages, stream=True, stream_options={"include_usage": True}
            ):
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
        else:
            for event in self.client.responses.create(model=self.model, input=self.messages, stream=True):
                if event.type == "response.output_text.delta":
                    n += 1
        return n

    async def astream(self) -> int:
        n = 0
        if self.wire == "chat":
            stream = await self.async_client.chat.completions.create(
                model=self.model, messages=self.messages, stream=True, stream_options={"include_usage": True}
            )
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
        else:
            events = await self.async_client.responses.create(
                model=self.model, input=self.messages, stream=True
            )
            async for event in events:
                if event.type == "response.output_text.delta":
                    n += 1
        return n

    def close(self) -> None:
        self.client.close()

    async def aclose(self) -> None:
        await self.async_client.close()


# -- the official OpenRouter SDK ------------------------------------------------------------------------
class OpenRouterSDK(Client):
    def __init__(self, base_url: str, wire: str, model: str) -> None:
        from openrouter import OpenRouter

        self.wire = wire
        self.model = model
        self.client = OpenRouter(api_key=API_KEY, server_url=base_url)
        self.messages: Any = [{"role": "user", "content": PROMPT}]

    def request(self) -> str:
        if self.wire == "chat":
            result = self.client.chat.send(model=self.model, messages=self.messages)
            return str(result.choices[0].message.content)
        result = self.client.responses.send(model=self.model, input=self.messages)
        return str(result.output[0].content[0].text)

    def stream(self) -> int:
        n = 0
        if self.wire == "chat":
            for chunk in self.client.chat.send(model=self.model, messages=self.messages, stream=True):
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
        else:
            for event in self.client.responses.send(model=self.model, input=self.messages, stream=True):
                if getattr(event, "type", None) == "response.output_text.delta":
                    n += 1
        return n

    async def astream(self) -> int:
        n = 0
        if self.wire == "chat":
            async for chunk in await self.client.chat.send_async(
                model=self.model, messages=self.messages, stream=True
            ):
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
        else:
            events = await self.client.responses.send_async(
                model=self.model, input=self.messages, stream=True
            )
            async for event in events:
                if getattr(event, "type", None) == "response.output_text.delta":
                    n += 1
        return n


# -- pydantic-ai ----------------------------------------------------------------------------------------
class PydanticAI(Client):
    """An ``Agent`` on pydantic-ai's OpenRouter model (Chat Completions), its idiomatic entry point."""

    def __init__(self, base_url: str, wire: str, model: str) -> None:
        from openai import AsyncOpenAI
        from pydantic_ai import Agent
        from pydantic_ai.models.openrouter import OpenRouterModel
        from pydantic_ai.providers.openrouter import OpenRouterProvider

        provider = OpenRouterProvider(openai_client=AsyncOpenAI(api_key=API_KEY, base_url=base_url))
        self.agent = Agent(OpenRouterModel(model, provider=provider))

    def request(self) -> str:
        return str(self.agent.run_sync(PROMPT).output)

    def stream(self) -> int:
        import asyncio

        return asyncio.run(self.astream())

    async def astream(self) -> int:
        from pydantic_ai.messages import PartDeltaEvent, PartStartEvent, TextPartDelta

        n = 0
        async with self.agent.run_stream_events(PROMPT) as events:
            async for event in events:
                if (isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta)) or (
                    isinstance(event, PartStartEvent) and bool(getattr(event.part, "content", None))
                ):
                    n += 1
        return n


# -- LiteLLM --------------------------------------------------------------------------------------------
class LiteLLM(Client):
    def __init__(self, base_url: str, wire: str, model: str) -> None:
        import litellm

        self.litellm = litellm
        self.wire = wire
        self.kwargs: dict[str, Any] = {
            "model": f"openrouter/{model}",
            "api_base": base_url,
            "api_key": API_KEY,
        }
        self.messages = [{"role": "user", "content": PROMPT}]

    def request(self) -> str:
        if self.wire == "chat":
            response = self.litellm.completion(messages=self.messages, **self.kwargs)
            return str(response.choices[0].message.content)
        result = self.litellm.responses(input=self.messages, **self.kwargs)
        return str(result.output[0].content[0].text)

    def stream(self) -> int:
        n = 0
        if self.wire == "chat":
            for chunk in self.litellm.completion(messages=self.messages, stream=True, **self.kwargs):
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
        else:
            for event in self.litellm.responses(input=self.messages, stream=True, **self.kwargs):
                if getattr(event, "type", None) == "response.output_text.delta":
                    n += 1
        return n

    async def astream(self) -> int:
        n = 0
        if self.wire == "chat":
            async for chunk in await self.litellm.acompletion(
                messages=self.messages, stream=True, **self.kwargs
            ):
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
        else:
            async for event in await self.litellm.aresponses(input=self.messages, stream=True, **self.kwargs):
                if getattr(event, "type", None) == "response.output_text.delta":
                    n += 1
        return n


FACTORIES: dict[str, Callable[[str, str, str], Client]] = {
    "floor": Floor,
    "ours": Ours,
    "ours_stdlib": Ours,
    "ours_no_deadline": OursWithoutDeadline,
    "ours_tracing_off": OursTracingOff,
    "openai": OpenAIPython,
    "openrouter": OpenRouterSDK,
    "pydantic_ai": PydanticAI,
    "litellm": LiteLLM,
}


def make(name: str, base_url: str, wire: str, model: str) -> Client:
    return FACTORIES[name](base_url, wire, model)
