"""Chat Completions wire shapes (``POST /chat/completions``), as ``TypedDict`` s.

These describe what :mod:`.encode` writes and :mod:`.decode` / :mod:`.stream` read; they are documentation and a help for type checkers,
never validated at run time (decoding happens once per streamed chunk, so it stays plain-dict fast).
Every dict is ``total=False``: OpenRouter omits fields freely and adds new ones, and the decoder treats
every key as optional.

Field names and meanings follow the OpenAPI spec (``ChatRequest``, ``ChatResult``, ``ChatStreamChunk``)
plus what real traffic carries and the spec misses (top-level ``provider``, ``native_finish_reason``,
``usage.cost``/``is_byok``/``cost_details``): see the reference, sections 3-5.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = [
    "ChatAssistantImage",
    "ChatAudioPart",
    "ChatChoice",
    "ChatContentPart",
    "ChatDelta",
    "ChatErrorObject",
    "ChatFileData",
    "ChatFilePart",
    "ChatFunction",
    "ChatFunctionCall",
    "ChatImagePart",
    "ChatImageURL",
    "ChatInputAudio",
    "ChatJsonSchema",
    "ChatLogprobs",
    "ChatMessage",
    "ChatRequest",
    "ChatResponseFormat",
    "ChatResult",
    "ChatStreamChoice",
    "ChatStreamChunk",
    "ChatTextPart",
    "ChatTokenLogprob",
    "ChatTool",
    "ChatToolCall",
    "ChatToolCallDelta",
    "ChatTopLogprob",
    "ChatUsage",
    "ChatVideoPart",
    "ChatVideoURL",
    "CompletionTokensDetails",
    "PromptTokensDetails",
    "ReasoningDetail",
]


# -- content parts (request messages) -------------------------------------------------------------------


class ChatTextPart(TypedDict, total=False):
    """``{type:"text", text, cache_control?}``; ``cache_control`` marks an Anthropic cache breakpoint."""

    type: Literal["text"]
    text: str
    cache_control: dict[str, Any]


class ChatImageURL(TypedDict, total=False):
    url: str  # https URL or data: URL
    detail: str  # "auto" | "low" | "high" | "original"


class ChatImagePart(TypedDict, total=False):
    type: Literal["image_url"]
    image_url: ChatImageURL
    cache_control: dict[str, Any]


class ChatFileData(TypedDict, total=False):
    filename: str
    file_data: str  # data: URL or https URL
    file_id: str


class ChatFilePart(TypedDict, total=False):
    """PDFs and other documents (fixture chat-nonstream-file-pdf-url / -file-annotations)."""

    type: Literal["file"]
    file: ChatFileData
    cache_control: dict[str, Any]


class ChatInputAudio(TypedDict, total=False):
    data: str  # base64, no data: prefix
    format: str  # wav, mp3, flac, m4a, ogg, aiff, aac, pcm16, ...


class ChatAudioPart(TypedDict, total=False):
    type: Literal["input_audio"]
    input_audio: ChatInputAudio


class ChatVideoURL(TypedDict, total=False):
    url: str


class ChatVideoPart(TypedDict, total=False):
    type: Literal["video_url"]
    video_url: ChatVideoURL


ChatContentPart = ChatTextPart | ChatImagePart | ChatFilePart | ChatAudioPart | ChatVideoPart


# -- tool calls and reasoning (both directions) -----------------------------------------------------------


class ChatFunctionCall(TypedDict, total=False):
    name: str
    arguments: str  # a JSON document as a string; may be "" or (from some providers) null on read


class ChatToolCall(TypedDict, total=False):
    """A complete tool call on an assistant message. ``index`` appears on read only."""

    id: str
    type: Literal["function"]
    function: ChatFunctionCall
    index: int


class ReasoningDetail(TypedDict, total=False):
    """One ``reasoning_details`` entry (spec ``ReasoningDetailUnion``, reference §4.1).

    Replayed verbatim on the next turn; ``format`` can be null in real streams and new ``type`` s appear,
    so nothing here is checked.
    """

    type: str  # reasoning.text | reasoning.summary | reasoning.encrypted | reasoning.server_tool_call
    text: str | None
    summary: str
    data: str
    signature: str | None
    id: str | None
    format: str | None
    index: int


class ChatAssistantImage(TypedDict, total=False):
    """An image produced by an image-output model (``message.images[]``)."""

    type: Literal["image_url"]
    image_url: ChatImageURL


# -- messages ---------------------------------------------------------------------------------------------


class ChatMessage(TypedDict, total=False):
    """Any role's message. Which keys apply depends on ``role`` (spec ``ChatMessages``).

    ``system``/``user``: ``content``. ``assistant``: ``content`` (null with tool calls), ``tool_calls``,
    ``reasoning``, ``reasoning_details``, ``annotations``, ``images``, ``refusal``. ``tool``: ``tool_call_id``
    and ``content``.
    """

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ChatContentPart] | None
    name: str
    tool_calls: list[ChatToolCall]
    tool_call_id: str
    reasoning: str | None
    reasoning_details: list[ReasoningDetail]
    annotations: list[dict[str, Any]]
    images: list[ChatAssistantImage]
    refusal: str | None


# -- request ----------------------------------------------------------------------------------------------


class ChatFunction(TypedDict, total=False):
    name: str
    description: str
    parameters: dict[str, Any]
    strict: bool


class ChatTool(TypedDict, total=False):
    """A function tool. Server tools (``{type:"openrouter:web_search", parameters?}``) are plain dicts."""

    type: str
    function: ChatFunction
    cache_control: dict[str, Any]


class ChatJsonSchema(TypedDict, total=False):
    name: str
    schema: dict[str, Any]
    strict: bool
    description: str


class ChatResponseFormat(TypedDict, total=False):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: ChatJsonSchema


class ChatRequest(TypedDict, total=False):
    """The request body :mod:`.encode` produces. ``extra_body`` can add any other documented field."""

    model: str
    messages: list[ChatMessage]
    tools: list[dict[str, Any]]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool
    temperature: float
    top_p: float
    max_completion_tokens: int
    stop: str | list[str]
    seed: int
    user: str
    reasoning: dict[str, Any]
    logprobs: bool
    top_logprobs: int  # 0-20, needs logprobs: true
    response_format: ChatResponseFormat
    stream: bool


# -- response ---------------------------------------------------------------------------------------------


class PromptTokensDetails(TypedDict, total=False):
    cached_tokens: int
    cache_write_tokens: int
    audio_tokens: int
    video_tokens: int


class CompletionTokensDetails(TypedDict, total=False):
    reasoning_tokens: int
    image_tokens: int
    audio_tokens: int
    accepted_prediction_tokens: int
    rejected_prediction_tokens: int


class ChatUsage(TypedDict, total=False):
    """``usage`` (spec ``ChatUsage``, reference §4.2). Any sub-object may be missing."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails
    completion_tokens_details: CompletionTokensDetails
    cost: float
    is_byok: bool
    cost_details: dict[str, Any]
    server_tool_use_details: dict[str, Any]


class ChatErrorObject(TypedDict, total=False):
    """An ``error`` object: ``code`` is an int or a string, and availability errors omit it."""

    code: int | str
    message: str
    metadata: dict[str, Any]
    error_type: str
    http_status: int
    availability: dict[str, Any]


class ChatTopLogprob(TypedDict, total=False):
    token: str
    logprob: float
    bytes: list[int] | None


class ChatTokenLogprob(TypedDict, total=False):
    """One token's log probability (spec ``ChatTokenLogprob``), with the alternatives asked for."""

    token: str
    logprob: float
    bytes: list[int] | None
    top_logprobs: list[ChatTopLogprob]


class ChatLogprobs(TypedDict, total=False):
    """``choices[].logprobs`` (spec ``ChatTokenLogprobs``): the answer's and the refusal's tokens;
    ``null`` unless ``logprobs: true`` was sent."""

    content: list[ChatTokenLogprob] | None
    refusal: list[ChatTokenLogprob] | None


class ChatChoice(TypedDict, total=False):
    index: int
    message: ChatMessage
    finish_reason: str | None
    native_finish_reason: str | None
    error: ChatErrorObject
    logprobs: ChatLogprobs | None


class ChatResult(TypedDict, total=False):
    """A non-streaming response body. A 200 body can still carry ``error`` (reference §4)."""

    id: str
    object: str
    created: int
    model: str
    provider: str
    choices: list[ChatChoice]
    usage: ChatUsage
    error: ChatErrorObject
    system_fingerprint: str | None
    service_tier: str | None


class ChatToolCallDelta(TypedDict, total=False):
    """A tool-call fragment: accumulate by ``index`` (reference §5.3); ``arguments`` concatenate."""

    index: int
    id: str
    type: Literal["function"]
    function: ChatFunctionCall


class ChatDelta(TypedDict, total=False):
    role: str
    content: str | None
    reasoning: str | None
    reasoning_details: list[ReasoningDetail]
    tool_calls: list[ChatToolCallDelta]
    annotations: list[dict[str, Any]]
    images: list[ChatAssistantImage]
    refusal: str | None


class ChatStreamChoice(TypedDict, total=False):
    index: int
    delta: ChatDelta
    finish_reason: str | None
    native_finish_reason: str | None
    error: ChatErrorObject
    logprobs: ChatLogprobs | None  # this chunk's tokens


class ChatStreamChunk(TypedDict, total=False):
    """One SSE ``data`` payload. ``choices`` may be ``[]`` (usage and debug chunks)."""

    id: str
    object: str
    created: int
    model: str
    provider: str
    choices: list[ChatStreamChoice]
    usage: ChatUsage
    error: ChatErrorObject
    debug: dict[str, Any]
    system_fingerprint: str | None  # often only on the last chunks (fixture chat-stream-server-tool-usage)
    service_tier: str | None
