"""An OpenRouter emulator for testing your code offline, through the real HTTP and SSE stack.

::

    from chat_openrouter import OpenRouterBuilder, messages
    from chat_openrouter.testing.emulator import Emulator

    emulator = Emulator()
    client = (OpenRouterBuilder().with_model("emulator/echo").with_api_key("test")
              .with_transport(emulator.transport())          # in-process: no sockets, sync and async
              .build())
    assert client.complete_sync(messages.from_user("hi")).text == "hi"
    assert emulator.last_request.body["input"][0]["content"] == "hi"   # or whatever your wire sent

    with emulator.loopback() as server:                      # real HTTP on 127.0.0.1 (any HTTP client)
        print(server.base_url)                               # http://127.0.0.1:PORT/api/v1

Built-in models (``GET /models`` lists them with prices; usage ``cost`` is computed from those prices):

==============================  ======================================================================
``emulator/echo``               repeats the last user message
``emulator/tools``              calls every offered tool with schema-valid arguments, then answers
                                from the results
``emulator/json``               answers JSON valid for the requested ``response_format`` /
                                ``text.format``
``emulator/reasoning``          reasons (signed), calls tools, answers; 400 if a tool turn's reasoning
                                was not replayed verbatim (as Gemini 3 does)
``emulator/rate-limit``         429 + ``Retry-After`` on the first attempt of each conversation, then
                                echo
``emulator/error-500``          always HTTP 500
``emulator/midstream-error``    starts answering, then fails inside the HTTP 200
``emulator/slow``               keep-alive comments, then one word per tick
``emulator/image-output``       echoes, plus a small PNG when ``modalities`` asks for images
``emulator/audio-output``       echoes, plus speech (wav/mp3/pcm16) when ``modalities`` asks for audio
==============================  ======================================================================

Media models (:data:`MEDIA_MODELS`): ``emulator/embedding`` (``/embeddings``: unit vectors from a hashed
bag of words), ``emulator/rerank``, ``emulator/image-generation`` (``/images``), ``emulator/speech``,
``emulator/transcription`` and ``emulator/video``. Discovery, account, key-management and OAuth PKCE
endpoints are emulated too (``docs/testing-with-the-emulator.md`` lists every path).

Faults and delays can also be injected on any model with ``X-Emulator-Fault`` /
``X-Emulator-Start-Delay`` / ``X-Emulator-Chunk-Delay`` request headers
(see ``docs/testing-with-the-emulator.md``).
This package imports nothing from pytest and nothing from the chat-openrouter client: it is a server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._app import Emulator
from ._bounds import ServerLimits
from ._catalog import BUILTIN_MODELS, MEDIA_MODELS, EmulatedModel
from ._context import Validator
from ._faults import Fault
from ._limits import TrafficLimits
from ._server import EmulatorServer, serve
from ._state import RecordedRequest

if TYPE_CHECKING:
    from ._transport import EmulatorTransport

__all__ = [
    "BUILTIN_MODELS",
    "MEDIA_MODELS",
    "EmulatedModel",
    "Emulator",
    "EmulatorServer",
    "EmulatorTransport",
    "Fault",
    "RecordedRequest",
    "ServerLimits",
    "TrafficLimits",
    "Validator",
    "serve",
]


def __getattr__(name: str) -> Any:
    # The transport needs httpx2; the server and the app do not. Load it on first use.
    if name == "EmulatorTransport":
        from ._transport import EmulatorTransport

        return EmulatorTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
