"""The inference room: ``POST /chat/completions`` and ``POST /responses``, streamed or not.

One path for both wires: read the body into a wire-neutral :class:`Conversation`, pick the model (the
``models`` fallback list included, faults applied), plan the turn once, then render it in the wire's own
shapes (``_chat`` / ``_responses``) -- whole, or as a stream paced by the fault headers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from ._asgi import Reply, json_bytes
from ._catalog import EmulatedModel
from ._chat import chat_chunks, chat_completion, chat_error_body, chat_error_chunk
from ._context import ALNUM, LOWER, Context, generation_record
from ._conversation import Conversation, read_chat, read_responses
from ._errors import RequestError, unknown_model, wrong_endpoint
from ._faults import MAX_DELAY, Fault, Timing, fails_now, fault_error, header_fault, timing
from ._planning import Generation, plan_turn, prompt_tokens, split_deltas
from ._responses import ResponsesRenderer
from ._routing import Request, Router
from ._signing import check_reasoning_replay
from ._streaming import event_stream

__all__ = ["InferenceRoom"]

_DEFAULT_MODEL = "emulator/echo"
_EXPOSED = ("access-control-expose-headers", "X-Generation-Id,X-Provider-Name,cf-ray")


class InferenceRoom:
    """Serves the two inference wires."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register(self, router: Router) -> None:
        router.add("POST", "/chat/completions", self.chat)
        router.add("POST", "/responses", self.responses)

    async def chat(self, request: Request) -> Reply:
        return await self._inference("completions", request)

    async def responses(self, request: Request) -> Reply:
        return await self._inference("responses", request)

    async def _inference(self, wire: str, request: Request) -> Reply:
        ctx = self.ctx
        # The body is read (and recorded) before any check, so a test can still see what a rejected
        # request carried; a missing key is still answered first, as OpenRouter does.
        body_error: RequestError | None = None
        try:
            body = request.json()
        except RequestError as error:
            body, body_error = None, error
        key = ctx.authenticate(request)
        if body_error is not None:
            raise body_error
        if not isinstance(body, dict):
            raise RequestError(400, "The request body must be a JSON object")
        ctx.validate(body, "ChatRequest" if wire == "completions" else "ResponsesRequest")
        conversation = read_chat(body) if wire == "completions" else read_responses(body)
        request.record.model = conversation.model
        model, fault = self._choose_model(conversation, header_fault(request.headers), wire, body)
        if model.behaviour == "reasoning" and not conversation.reasoning_excluded:
            check_reasoning_replay(conversation, ctx.signer)
        gen = self._new_generation(model, conversation)
        request.record.generation_id = gen.id
        pace = timing(ctx, fault, request.headers)
        failed = fault is not None and fault.kind in ("midstream-error", "disconnect")
        self._remember(gen, conversation, body, request, key, failed=failed)
        headers = [("x-generation-id", gen.id), _EXPOSED]
        if wire == "completions":
            return await self._chat_reply(gen, fault, pace, conversation.stream, headers)
        renderer = ResponsesRenderer(gen, body, ctx.now())
        return await self._responses_reply(renderer, fault, pace, conversation.stream, headers)

    # -- choosing the model -------------------------------------------------------------------------------
    def _choose_model(
        self, conversation: Conversation, header: Fault | None, wire: str, body: Mapping[str, Any]
    ) -> tuple[EmulatedModel, Fault | None]:
        """The first candidate (``model``, then the ``models`` fallbacks) that does not fail up front."""
        primary = conversation.model or _DEFAULT_MODEL
        candidates = [primary, *(m for m in conversation.fallback_models if m != primary)]
        last_error: RequestError | None = None
        for position, model_id in enumerate(candidates):
            model = self.ctx.models.get(model_id)
            if model is None:
                last_error = unknown_model(model_id)
                continue
            if not model.is_chat:
                last_error = wrong_endpoint(
                    model_id, "/chat/completions" if wire == "completions" else "/responses"
                )
                continue
            missing = [m for m in conversation.modalities if m not in model.output_modalities]
            if missing:
                # OpenRouter's routing wording ("No endpoints found that support image input", 404).
                last_error = RequestError(
                    404, f"No endpoints found that support {' and '.join(missing)} output"
                )
                continue
            fault = (
                header
                if position == 0 and header is not None
                else (Fault.parse(model.fault) if model.fault else None)
            )
            if (
                fault is not None
                and fault.kind == "error"
                and fails_now(self.ctx, fault, wire, model_id, body)
            ):
                last_error = fault_error(self.ctx, fault, model_id)
                continue
            return model, fault if fault is not None and fault.kind != "error" else None
        assert last_error is not None
        raise last_error

    def _new_generation(self, model: EmulatedModel, conversation: Conversation) -> Generation:
        ctx = self.ctx
        now = ctx.now()
        with ctx.lock:
            rng = ctx.state.rng
            gen_id = f"gen-{now}-{''.join(rng.choices(ALNUM, k=20))}"

            def new_call_id() -> str:
                return "call_" + "".join(rng.choices(ALNUM, k=24))

            plan = plan_turn(model, conversation, new_call_id)
            item_ids = {
                "reasoning": "rs_tmp_" + "".join(rng.choices(LOWER, k=11)),
                "message": "msg_tmp_" + "".join(rng.choices(LOWER, k=11)),
            }
            if plan.image is not None:
                item_ids["image"] = "ig_tmp_" + "".join(rng.choices(LOWER, k=11))
            if plan.audio is not None:
                item_ids["audio"] = "audio_" + "".join(rng.choices(LOWER, k=16))
            for index in range(len(plan.calls)):
                item_ids[f"call{index}"] = "fc_tmp_" + "".join(rng.choices(LOWER, k=11))
        gen = Generation(gen_id, now, model, plan, prompt_tokens(conversation), item_ids)
        if plan.reasoning:
            gen.reasoning_signature = ctx.signer.signature(plan.reasoning)
            gen.encrypted_reasoning = ctx.signer.encrypted_content(plan.reasoning, model.id)
        return gen

    def _remember(
        self,
        gen: Generation,
        conversation: Conversation,
        body: Mapping[str, Any],
        request: Request,
        key: str,
        *,
        failed: bool,
    ) -> None:
        plan = gen.plan
        record = generation_record(
            gen.id,
            created=gen.created,
            model=gen.model,
            cost=gen.costs[0],
            # The spec's `api_type` has no "responses": both wires are "completions" (spec GenerationResponse).
            api_type="completions",
            request=request,
            prompt_tokens=gen.prompt_tokens,
            completion_tokens=gen.completion_tokens,
            streamed=conversation.stream,
            finish_reason="error" if failed else plan.finish_reason,
            native_finish_reason="error" if failed else plan.native_finish_reason,
            reasoning_tokens=plan.reasoning_tokens,
            media_prompt=sum(e.attachments for e in conversation.entries),
            media_completion=int(plan.image is not None),
        )
        raw_input = body.get("messages") if conversation.wire == "completions" else body.get("input")
        content = {
            "input": {"prompt": raw_input}
            if isinstance(raw_input, str)
            else {"messages": list(raw_input or [])},
            "output": {"completion": plan.text, "reasoning": plan.reasoning or None},
            "error": None,
        }
        self.ctx.remember(record, key=key, content=content)

    # -- rendering ------------------------------------------------------------------------------------------
    async def _chat_reply(
        self,
        gen: Generation,
        fault: Fault | None,
        pace: Timing,
        streamed: bool,
        headers: list[tuple[str, str]],
    ) -> Reply:
        kind = fault.kind if fault is not None else None
        fragments = split_deltas(gen.plan.text)
        half = max(1, len(fragments) // 2)
        if not streamed:
            await _pause(pace, len(fragments))
            if kind == "midstream-error":
                value = chat_error_body(gen, "".join(fragments[:half]))
            else:
                value = chat_completion(gen)
            return _json_200(value, headers, cut=kind == "disconnect")
        if kind == "midstream-error":
            frames = [*chat_chunks(gen, text_fragments=half), chat_error_chunk(gen)]
        elif kind == "disconnect":
            frames = chat_chunks(gen, text_fragments=half)
        else:
            frames = chat_chunks(gen)
        return self._stream(frames, pace, headers, gen.id, done=kind != "disconnect")

    async def _responses_reply(
        self,
        renderer: ResponsesRenderer,
        fault: Fault | None,
        pace: Timing,
        streamed: bool,
        headers: list[tuple[str, str]],
    ) -> Reply:
        kind = fault.kind if fault is not None else None
        fragments = split_deltas(renderer.gen.plan.text)
        half = max(1, len(fragments) // 2) if fragments else 0
        if not streamed:
            await _pause(pace, len(fragments))
            value = (
                renderer.failed_result("".join(fragments[:half]))
                if kind == "midstream-error"
                else renderer.result()
            )
            return _json_200(value, headers, cut=kind == "disconnect")
        if kind == "midstream-error":
            frames = renderer.events(text_fragments=half)
        elif kind == "disconnect":
            frames = renderer.events(text_fragments=half)[:-1]  # cut before the terminal event
        else:
            frames = renderer.events()
        return self._stream(frames, pace, headers, renderer.gen.id, done=kind != "disconnect")

    def _stream(
        self,
        frames: list[dict[str, Any]],
        pace: Timing,
        headers: list[tuple[str, str]],
        gen_id: str,
        *,
        done: bool,
    ) -> Reply:
        ctx = self.ctx
        return event_stream(
            frames,
            pace,
            headers,
            keepalive_interval=ctx.settings.keepalive_interval,
            done=done,
            # The client went away mid-stream: the generation record says so, like OpenRouter's.
            on_cancel=lambda: ctx.mark_cancelled(gen_id),
        )


async def _pause(pace: Timing, fragments: int) -> None:
    delay = pace.start_delay + pace.chunk_delay * fragments
    if delay > 0:
        await asyncio.sleep(min(delay, MAX_DELAY))


def _json_200(value: Any, headers: list[tuple[str, str]], *, cut: bool) -> Reply:
    payload = json_bytes(value)
    if cut:
        payload = payload[: len(payload) // 2]  # the connection drops halfway through the body
    return Reply(200, [("content-type", "application/json"), *headers], payload)
