"""The I/O shell both wire clients share: encode with the codec, send through the :class:`Endpoint`,
decode with the codec. A wire's ``client.py`` only names its path and its codec functions.

A wire client knows *how* to talk (its wire format) and *where* (its endpoint), nothing about who is at
the other end: OpenRouter's own REST API (models, generations, key, credits) is served by
:class:`chat_openrouter.OpenRouterAPI`, which shares the client's endpoint and connection pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from ..core.messages import ConversationInput, as_messages
from ..core.options import ChatOptions, OutputSchema, Timeouts
from ..core.request import ModelRequest
from ..core.response import ChatResponse
from ..core.stream import AsyncChatStream, AsyncSource, ChatStream, StreamState
from ..core.structured import as_output_schema
from ..core.tools import ToolInput, ToolLike, as_tool_declarations
from ..transport.base import header
from ..transport.endpoint import Endpoint
from ..transport.retry import RetryPolicy

if TYPE_CHECKING:
    from ..core.tracing import Tracing

__all__ = ["RequestCheck", "WireClient"]

C = TypeVar("C", bound="WireClient")


class RequestCheck(Protocol):
    """A pre-flight check run on every encoded request body before it is sent; raise to refuse it.

    Given to a wire client's constructor (``request_check=``). Sync and async twins: ``check`` runs for
    ``complete_sync``/``stream_sync``, ``acheck`` for ``complete``/``stream`` (so a check that needs I/O
    never blocks the event loop). OpenRouter's capability pre-flight is one
    (:class:`chat_openrouter.openrouter.CapabilityCheck`).

    A check reads the body and never changes it (hence ``Mapping``): the conversation's JSON may already
    be cached from earlier turns (``wire/common/turns.py``), so a change made here would not be sent.
    """

    def check(self, body: Mapping[str, Any]) -> None: ...
    async def acheck(self, body: Mapping[str, Any]) -> None: ...


class _Call:
    """One call, ready to send: the encoded body and the per-call settings resolved from its options."""

    __slots__ = ("body", "headers", "request", "retry", "timeouts")

    def __init__(
        self,
        request: ModelRequest,
        body: dict[str, Any],
        headers: Mapping[str, str] | None,
        retry: RetryPolicy | None,
        timeouts: Timeouts | None,
    ) -> None:
        self.request = request  # with the client's default options and server tools resolved into it
        self.body = body
        self.headers = headers
        self.retry = retry
        self.timeouts = timeouts


def _answered(request: ModelRequest, response: ChatResponse) -> ChatResponse:
    """``response`` with ``messages`` set: the conversation sent, then the answer (a new ``Messages``;
    the caller's is never modified), so ``response.messages.user("And then?")`` continues it."""
    response.messages = request.messages.copy().push(response.content)
    return response


class WireClient:
    """Base of ``ResponsesClient`` and ``CompletionsClient``: same methods, same results on both wires.

    Build one with ``OpenRouterBuilder``, or directly from an
    :class:`~chat_openrouter.transport.Endpoint` (any server that speaks the wire). A client is immutable
    -- everything it uses is given to its constructor -- and safe to share across threads and tasks.
    Close it (or use it as a context manager) to release pooled connections.
    """

    #: The endpoint path, relative to the base URL.
    path: ClassVar[str]
    #: Short wire name used in reprs, logs and traces.
    wire: ClassVar[str]
    #: The ``gen_ai.provider.name`` its traces report: both wires are OpenRouter's.
    provider_name: ClassVar[str] = "openrouter"

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        model: str | None,
        options: ChatOptions | None = None,
        server_tools: Sequence[Mapping[str, Any]] = (),
        request_check: RequestCheck | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        """``tracing``: OpenTelemetry settings (None: on when ``opentelemetry-api`` is installed; see
        :class:`~chat_openrouter.core.tracing.Tracing`)."""
        self._endpoint = endpoint
        self.model = model
        self.options = options or ChatOptions()
        self.server_tools: tuple[dict[str, Any], ...] = tuple(dict(t) for t in server_tools)
        self._request_check = request_check
        from ..core.tracing import client_observer

        self._observer = client_observer(
            tracing, provider_name=self.provider_name, wire=self.wire, model=model, base_url=endpoint.base_url
        )
        self._turns = self._new_turn_cache()  # shared with with_options() copies
        self._retry_policies: dict[int, RetryPolicy] = {}  # shared too: the endpoint is the same

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, base_url={self._endpoint.base_url!r})"

    @property
    def endpoint(self) -> Endpoint:
        """Where this client sends its requests (and the connection pool it uses)."""
        return self._endpoint

    @property
    def base_url(self) -> str:
        return self._endpoint.base_url

    @property
    def request_check(self) -> RequestCheck | None:
        """The pre-flight check run before every request, if any."""
        return self._request_check

    def with_options(self: C, options: ChatOptions) -> C:
        """A copy of this client whose default options are merged with ``options`` (same endpoint)."""
        clone = self.__class__.__new__(self.__class__)
        clone.__dict__.update(self.__dict__)
        clone.options = self.options.merged(options)
        return clone

    # -- codec hooks (implemented by each wire) --------------------------------------------------------
    def _encode(self, request: ModelRequest, *, stream: bool) -> dict[str, Any]:
        """The wire's request body for ``request`` (its options and tools already resolved)."""
        raise NotImplementedError

    def _decode(self, body: Any, headers: Mapping[str, str]) -> ChatResponse:
        raise NotImplementedError

    def _new_state(self) -> StreamState:
        raise NotImplementedError

    def _new_turn_cache(self) -> object:
        """What the wire keeps of the turns it encoded, reused by later requests (None: nothing)."""
        return None

    def _decode_response(self, body: Any, headers: Mapping[str, str]) -> ChatResponse:
        response = self._decode(body, headers)
        if response.provider is None:
            # Responses API bodies carry no `provider` field; OpenRouter exposes the upstream in the
            # `X-Provider-Name` response header on every inference endpoint (reference §1.2).
            response.provider = header(headers, "x-provider-name")
        return response

    # -- shared plumbing -------------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        messages: ConversationInput,
        tools: Sequence[ToolInput] | None,
        options: ChatOptions | None,
        output: OutputSchema | type[Any] | None,
    ) -> ModelRequest:
        """The public arguments as a :class:`ModelRequest`, with the forgiving inputs made exact: the
        conversation (a str, Messages or OpenAI-style dicts) and the tools (``@tool``, functions, specs,
        dicts). A wrong type is a ``TypeError`` here, before anything is encoded or sent."""
        where = f"{type(self).__name__}.{method}()"
        if options is not None and not isinstance(options, ChatOptions):
            raise TypeError(f"{where}: options= expects a ChatOptions, got {type(options).__name__}")
        return ModelRequest(
            as_messages(messages, where=where),
            as_tool_declarations(tools, where=where),
            options,
            as_output_schema(output),
        )

    def _prepare(self, request: ModelRequest, *, stream: bool) -> _Call:
        """Resolve the client's defaults into ``request``, encode it, and derive the per-call settings.

        """
        opts = self.options.merged(request.options)
        tools: list[ToolLike] = [*self.server_tools, *(request.tools or ())]
        resolved = replace(request, tools=tools or None, options=opts)
        body = self._encode(resolved, stream=stream)
        retry = None if opts.retries is None else self._retry_policy(opts.retries)
        return _Call(resolved, body, opts.extra_headers or None, retry, self._timeouts(opts))

    def _retry_policy(self, retries: int) -> RetryPolicy:
        """The endpoint's retry policy with ``retries`` retries (made once per value: a batch job asks for
        ``retries=0`` on every row)."""
        policy = self._retry_policies.get(retries)
        if policy is None:
            policy = replace(self._endpoint.retry, max_retries=retries)
            if len(self._retry_policies) < 16:
                self._retry_policies[retries] = policy
        return policy

    def _timeouts(self, opts: ChatOptions) -> Timeouts | None:
        """Per-call timeouts: ``options.timeouts`` replaces the builder's, ``options.timeout`` its total."""
        if opts.timeouts is None and opts.timeout is None:
            return None
        timeouts = opts.timeouts or self._endpoint.timeouts
        return timeouts if opts.timeout is None else replace(timeouts, total=opts.timeout)

    async def complete(
        self,
        messages: ConversationInput,
        *,
        tools: Sequence[ToolInput] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | type[Any] | None = None,
    ) -> ChatResponse:
        """Send the conversation and return the model's answer.

        ``output``: an :class:`OutputSchema`, or a pydantic model class (any type pydantic can describe)
        to ask for JSON matching it; validate the answer with
        ``StructuredOutput.for_type(Model).parse(response)``, or let a ``Chat`` do it.
        """
        request = self._request("complete", messages, tools, options, output)
        call = self._prepare(request, stream=False)
        if self._request_check is not None:
            await self._request_check.acheck(call.body)
        # Decoding runs inside the retry loop: an error object in a 200 body is retried like its status.
        with self._observer.model_call(call.request, call.body, stream=False) as observation:
            response = observation.returned(await self._endpoint.arequest_decoded(
                "POST", self.path, call.body, decode=self._decode_response,
                extra_headers=call.headers, retry=call.retry, timeouts=call.timeouts,
            ))  # fmt: skip
        return _answered(request, response)

    def complete_sync(
        self,
        messages: ConversationInput,
        *,
        tools: Sequence[ToolInput] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | type[Any] | None = None,
    ) -> ChatResponse:
        """Synchronous twin of :meth:`complete` (real sync I/O: safe inside a running event loop)."""
        request = self._request("complete_sync", messages, tools, options, output)
        call = self._prepare(request, stream=False)
        if self._request_check is not None:
            self._request_check.check(call.body)
        with self._observer.model_call(call.request, call.body, stream=False) as observation:
            response = observation.returned(self._endpoint.request_decoded(
                "POST", self.path, call.body, decode=self._decode_response,
                extra_headers=call.headers, retry=call.retry, timeouts=call.timeouts,
            ))  # fmt: skip
        return _answered(request, response)

    def stream(
        self,
        messages: ConversationInput,
        *,
        tools: Sequence[ToolInput] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | type[Any] | None = None,
    ) -> AsyncChatStream:
        """Stream the answer: ``async for event in client.stream(msgs)``. Ends with one ``Done``."""
        request = self._request("stream", messages, tools, options, output)
        call = self._prepare(request, stream=True)
        observation = self._observer.model_call(call.request, call.body, stream=True)
        return AsyncChatStream(
            self._new_state(),
            self._async_source(call),
            new_state=self._new_state,
            conversation=request.messages,
            observation=observation,
        )

    def stream_sync(
        self,
        messages: ConversationInput,
        *,
        tools: Sequence[ToolInput] | None = None,
        options: ChatOptions | None = None,
        output: OutputSchema | type[Any] | None = None,
    ) -> ChatStream:
        """Synchronous twin of :meth:`stream`: ``for event in client.stream_sync(msgs)``."""
        request = self._request("stream_sync", messages, tools, options, output)
        call = self._prepare(request, stream=True)
        if self._request_check is not None:
            self._request_check.check(call.body)
        endpoint, path = self._endpoint, self.path
        return ChatStream(
            self._new_state(),
            lambda: endpoint.stream(
                path, call.body, extra_headers=call.headers, retry=call.retry, timeouts=call.timeouts
            ),
            new_state=self._new_state,
            conversation=request.messages,
            observation=self._observer.model_call(call.request, call.body, stream=True),
        )

    def _async_source(self, call: _Call) -> AsyncSource:
        endpoint, path, check = self._endpoint, self.path, self._request_check
        if check is None:
            return lambda: endpoint.astream(
                path, call.body, extra_headers=call.headers, retry=call.retry, timeouts=call.timeouts
            )

        # `stream()` is not a coroutine, so its async pre-flight runs when the stream is opened.
        @asynccontextmanager
        async def checked() -> AsyncIterator[AsyncIterator[str]]:
            await check.acheck(call.body)
            async with endpoint.astream(
                path, call.body, extra_headers=call.headers, retry=call.retry, timeouts=call.timeouts
            ) as payloads:
                yield payloads

        return checked

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        self._endpoint.transport.close()

    async def aclose(self) -> None:
        await self._endpoint.transport.aclose()

    def __enter__(self: C) -> C:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    async def __aenter__(self: C) -> C:
        return self

    async def __aexit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()
