"""Responses API wire shapes (``POST /responses``), as ``TypedDict`` s.

These describe what :mod:`.encode` writes and :mod:`.decode` / :mod:`.stream` read; they are documentation
and a help for type checkers, never validated at run time (decoding happens once per stream event, so it
stays plain-dict fast).
Every dict is ``total=False``: OpenRouter omits fields freely and adds new ones, and the decoder treats
every key as optional.

Field names and meanings follow the OpenAPI spec (``ResponsesRequest``, ``Inputs``, ``OpenResponsesResult``,
``StreamEvents``) and what real traffic carries (reference §6-§8): ids ``gen-…`` / ``msg_tmp_…`` /
``fc_tmp_…`` / ``rs_…``, ``usage.cost``/``is_byok``/``cost_details``, a top-level ``error_type`` on failed
responses, and stream events told apart only by their JSON ``type`` (no SSE ``event:`` line).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = [
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "FunctionTool",
    "ImageGenerationCallItem",
    "IncompleteDetails",
    "InputAudio",
    "InputAudioPart",
    "InputContentPart",
    "InputFilePart",
    "InputImagePart",
    "InputItem",
    "InputMessage",
    "InputTextPart",
    "InputTokensDetails",
    "InputVideoPart",
    "OutputContentPart",
    "OutputMessage",
    "OutputTextPart",
    "OutputTokensDetails",
    "ReasoningItem",
    "ReasoningSummaryText",
    "ReasoningTextContent",
    "RefusalContentPart",
    "ResponseObject",
    "ResponsesErrorObject",
    "ResponsesRequest",
    "ResponsesStreamEvent",
    "ResponsesUsage",
    "TextConfig",
    "TextFormatJsonSchema",
    "TokenLogprob",
    "TopLogprob",
]


# -- user / system content parts (spec InputText, InputImage, InputFile, InputAudio, InputVideo) ---------


class InputTextPart(TypedDict, total=False):
    """``{type:"input_text", text}``; ``prompt_cache_breakpoint`` marks an explicit cache boundary."""

    type: Literal["input_text"]
    text: str
    prompt_cache_breakpoint: dict[str, Any]  # {"mode": "explicit"}


class InputImagePart(TypedDict, total=False):
    """An image by URL or ``data:`` URL. ``detail`` is required by the spec."""

    type: Literal["input_image"]
    image_url: str
    detail: str  # "auto" | "high" | "low" | "original"


class InputFilePart(TypedDict, total=False):
    """A document: inline (``file_data`` data URL + ``filename``) or by ``file_url``."""

    type: Literal["input_file"]
    filename: str
    file_data: str
    file_url: str
    file_id: str


class InputAudio(TypedDict, total=False):
    data: str  # base64, no data: prefix
    format: str  # "mp3" | "wav"


class InputAudioPart(TypedDict, total=False):
    type: Literal["input_audio"]
    input_audio: InputAudio


class InputVideoPart(TypedDict, total=False):
    type: Literal["input_video"]
    video_url: str  # URL or data: URL


InputContentPart = InputTextPart | InputImagePart | InputFilePart | InputAudioPart | InputVideoPart


class InputMessage(TypedDict, total=False):
    """A user / system / developer message (spec ``EasyInputMessage``); ``content`` a string or parts."""

    type: Literal["message"]
    role: Literal["user", "system", "developer"]
    content: str | list[InputContentPart]


# -- model output, also replayed as input (spec OutputMessage, OutputItemFunctionCall, ...) -------------


class TopLogprob(TypedDict, total=False):
    """An alternative token (spec ``OpenResponsesTopLogprobs``)."""

    token: str
    logprob: float
    bytes: list[int]


class TokenLogprob(TypedDict, total=False):
    """One token's log probability (spec ``OpenResponsesLogProbs``); ``[]`` unless ``top_logprobs`` was
    asked for (fixture responses-stream-text)."""

    token: str
    logprob: float
    bytes: list[int]
    top_logprobs: list[TopLogprob]


class OutputTextPart(TypedDict, total=False):
    type: Literal["output_text"]
    text: str
    annotations: list[dict[str, Any]]  # url_citation / file_citation / file_path, kept verbatim
    logprobs: list[TokenLogprob]


class RefusalContentPart(TypedDict, total=False):
    """The model declined (spec ``OpenAIResponsesRefusalContent``): a sibling of ``output_text``."""

    type: Literal["refusal"]
    refusal: str


OutputContentPart = OutputTextPart | RefusalContentPart


class OutputMessage(TypedDict, total=False):
    """An assistant ``message`` item. OpenRouter requires ``id`` and ``status`` when it is sent back."""

    type: Literal["message"]
    id: str
    role: Literal["assistant"]
    status: Literal["completed", "incomplete", "in_progress"]
    content: list[OutputContentPart]
    phase: Literal["commentary", "final_answer"] | None


class FunctionCallItem(TypedDict, total=False):
    """A function call. ``call_id`` pairs it with its output; ``id`` (``fc_…``) names the item."""

    type: Literal["function_call"]
    id: str
    call_id: str
    name: str
    arguments: str  # a JSON document as a string
    status: Literal["completed", "incomplete", "in_progress"]


class FunctionCallOutputItem(TypedDict, total=False):
    type: Literal["function_call_output"]
    call_id: str
    output: str | list[InputContentPart]


class ReasoningSummaryText(TypedDict, total=False):
    type: Literal["summary_text"]
    text: str


class ReasoningTextContent(TypedDict, total=False):
    type: Literal["reasoning_text"]
    text: str


class ReasoningItem(TypedDict, total=False):
    """A ``reasoning`` item (spec ``OutputItemReasoning`` + OpenRouter's ``format``/``signature``).

    Replayed verbatim; ``encrypted_content`` carries OpenRouter's ``.<base64 endpoint>`` suffix
    (fixture responses-stream-reasoning-encrypted), which must not be stripped.
    """

    type: Literal["reasoning"]
    id: str
    status: str
    summary: list[ReasoningSummaryText]
    content: list[ReasoningTextContent]
    encrypted_content: str | None
    signature: str | None
    format: str | None


class ImageGenerationCallItem(TypedDict, total=False):
    """A generated image (``result`` is base64 image bytes)."""

    type: Literal["image_generation_call"]
    id: str
    status: str
    result: str | None


InputItem = (
    InputMessage
    | OutputMessage
    | FunctionCallItem
    | FunctionCallOutputItem
    | ReasoningItem
    | ImageGenerationCallItem
)


# -- request ----------------------------------------------------------------------------------------------


class FunctionTool(TypedDict, total=False):
    """A flat function tool (NOT nested under ``function`` as on Chat Completions)."""

    type: Literal["function"]
    name: str
    description: str
    parameters: dict[str, Any]
    strict: bool | None


class TextFormatJsonSchema(TypedDict, total=False):
    """Structured output: flat, unlike Chat's ``response_format.json_schema``."""

    type: Literal["json_schema"]
    name: str
    schema: dict[str, Any]
    strict: bool
    description: str


class TextConfig(TypedDict, total=False):
    format: TextFormatJsonSchema | dict[str, Any]
    verbosity: str


class ResponsesRequest(TypedDict, total=False):
    """The request body :mod:`.encode` produces. ``extra_body`` can add any other documented field.

    ``store`` is always false and ``previous_response_id`` never sent: OpenRouter's Responses API is
    stateless and answers 400 to either (reference §6).
    """

    model: str
    input: list[InputItem]
    tools: list[dict[str, Any]]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool
    temperature: float
    top_p: float
    max_output_tokens: int
    user: str
    reasoning: dict[str, Any]
    top_logprobs: int  # 0-20; the tokens come back in output_text.logprobs
    text: TextConfig
    include: list[str]
    store: Literal[False]
    stream: bool


# -- response ---------------------------------------------------------------------------------------------


class InputTokensDetails(TypedDict, total=False):
    cached_tokens: int
    cache_write_tokens: int


class OutputTokensDetails(TypedDict, total=False):
    reasoning_tokens: int


class ResponsesUsage(TypedDict, total=False):
    """``usage``; only on the final response (``response.completed`` / ``.incomplete`` / ``.failed``)."""

    input_tokens: int
    input_tokens_details: InputTokensDetails
    output_tokens: int
    output_tokens_details: OutputTokensDetails
    total_tokens: int
    cost: float
    is_byok: bool
    cost_details: dict[str, Any]


class ResponsesErrorObject(TypedDict, total=False):
    """``error``: ``code`` is an OpenAI-style string (``server_error``) or, from OpenRouter, an int."""

    code: int | str | None
    message: str
    metadata: dict[str, Any]
    param: str | None


class IncompleteDetails(TypedDict, total=False):
    reason: str  # "max_output_tokens" | "content_filter"


class ResponseObject(TypedDict, total=False):
    """A response (non-stream body, or the ``response`` of ``response.*`` stream events)."""

    id: str
    object: Literal["response"]
    created_at: int
    completed_at: int | None
    model: str
    provider: str
    status: Literal["completed", "incomplete", "in_progress", "failed", "cancelled", "queued"]
    output: list[dict[str, Any]]
    usage: ResponsesUsage | None
    error: ResponsesErrorObject | None
    error_type: str  # OpenRouter's precise error type on failed responses (doc-responses-failed-body)
    incomplete_details: IncompleteDetails | None
    service_tier: str | None  # "default" / "auto" / "flex" ... (fixture responses-stream-tool-call)
    top_logprobs: int


class ResponsesStreamEvent(TypedDict, total=False):
    """One SSE ``data`` payload. Which keys apply depends on ``type`` (spec ``StreamEvents``)."""

    type: str
    sequence_number: int
    response: ResponseObject
    output_index: int
    item_id: str
    item: dict[str, Any]
    content_index: int
    summary_index: int
    annotation_index: int
    annotation: dict[str, Any]
    part: dict[str, Any]
    delta: str
    logprobs: list[TokenLogprob]  # on output_text.delta / .done
    text: str
    refusal: str
    name: str
    arguments: str
    error: ResponsesErrorObject  # nested form of `error` / `response.error` events
    code: int | str | None  # flat form (spec ErrorEvent)
    message: str
