"""Responses API output in OpenRouter's real shapes (reference §7, §8).

The response object echoes the request's settings the way fixture responses-stream-text does (``store``
always false, ``previous_response_id`` always null, ids ``gen-…``, items ``rs_tmp_…``/``msg_tmp_…``/
``fc_tmp_…``). The stream is the real event sequence — ``response.created``, ``response.in_progress``,
per item ``output_item.added`` … ``output_item.done``, then ``response.completed`` (or ``.incomplete`` /
``.failed``) carrying usage and cost — every event with a ``sequence_number`` and no ``event:`` lines.

Echoed settings follow real traffic: function tools come back with every field, ``strict: null`` when it
was not sent (fixture responses-stream-tool-call); ``reasoning`` is the request's whole object while the
response is in progress (fixture responses-stream-reasoning-encrypted) and, on a reasoning model, the
settings it reasoned with once done (the effort filled in). Image output (``modalities`` with
``"image"``) is an ``image_generation_call`` item with its progress events (spec ``StreamEvents``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from ._planning import Generation, split_deltas

__all__ = ["ResponsesRenderer", "echo_tools"]

_FAILED_ERROR = {"code": "server_error", "message": "Provider disconnected mid-stream"}
_DEFAULT_EFFORT = "medium"  # emulator/reasoning's `default_effort` in the catalogue
_FUNCTION_FIELDS = ("type", "name", "description", "parameters", "strict")


def echo_tools(tools: Any) -> list[Any]:
    """The request's tools as the response echoes them: function tools with all five fields."""
    echoed: list[Any] = []
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, Mapping) and tool.get("type") == "function":
            echoed.append(
                {
                    "type": "function",
                    "name": tool.get("name"),
                    "description": tool.get("description"),
                    "parameters": tool.get("parameters"),
                    "strict": tool.get("strict"),
                    **{k: v for k, v in tool.items() if k not in _FUNCTION_FIELDS},
                }
            )
        else:
            echoed.append(tool)
    return echoed


class ResponsesRenderer:
    """Builds the response object and its event stream for one generation."""

    def __init__(self, gen: Generation, request: Mapping[str, Any], now: int) -> None:
        self.gen = gen
        self.request = request
        self.now = now
        self._sequence = 0

    # -- the response object ---------------------------------------------------------------------------
    def usage(self) -> dict[str, Any]:
        gen = self.gen
        cost, input_cost, output_cost = gen.costs
        return {
            "input_tokens": gen.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": gen.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": gen.plan.reasoning_tokens},
            "total_tokens": gen.total_tokens,
            "cost": cost,
            "is_byok": False,
            "cost_details": {
                "upstream_inference_cost": cost,
                "upstream_inference_input_cost": input_cost,
                "upstream_inference_output_cost": output_cost,
            },
        }

    def _reasoning(self, status: str) -> Any:
        requested = self.request.get("reasoning")
        if status == "in_progress" or self.gen.model.behaviour != "reasoning":
            return requested
        settings = dict(requested) if isinstance(requested, Mapping) else {}
        settings.setdefault("summary", None)
        if settings.get("effort") is None:
            settings["effort"] = _DEFAULT_EFFORT
        return {"effort": settings.pop("effort"), "summary": settings.pop("summary"), **settings}

    def response(self, status: str, output: list[dict[str, Any]], *, usage: bool) -> dict[str, Any]:
        req = self.request
        incomplete = {"reason": "max_output_tokens"} if status == "incomplete" else None
        return {
            "id": self.gen.id,
            "object": "response",
            "created_at": self.gen.created,
            "model": self.gen.model.id,
            "status": status,
            "completed_at": self.now if status in ("completed", "incomplete", "failed") else None,
            "output": output,
            "error": dict(_FAILED_ERROR) if status == "failed" else None,
            "incomplete_details": incomplete,
            "tools": echo_tools(req.get("tools")),
            "tool_choice": req.get("tool_choice", "auto"),
            "parallel_tool_calls": req.get("parallel_tool_calls") is not False,
            "max_output_tokens": req.get("max_output_tokens"),
            "temperature": req.get("temperature", 1),
            "top_p": req.get("top_p", 1),
            "presence_penalty": 0,
            "frequency_penalty": 0,
            "top_logprobs": 0,
            "max_tool_calls": None,
            "metadata": dict(req.get("metadata") or {}),
            "background": False,
            "previous_response_id": None,
            "service_tier": "auto",
            "truncation": "disabled",
            "store": False,
            "instructions": req.get("instructions"),
            "text": req.get("text") or {"format": {"type": "text"}},
            "reasoning": self._reasoning(status),
            "safety_identifier": None,
            "prompt_cache_key": None,
            "prompt_cache_options": None,
            "usage": self.usage() if usage else None,
        }

    @property
    def final_status(self) -> str:
        return "incomplete" if self.gen.plan.finish_reason == "length" else "completed"

    def result(self) -> dict[str, Any]:
        """The non-stream body."""
        return self.response(self.final_status, self.output_items(), usage=True)

    def failed_result(self, partial_text: str) -> dict[str, Any]:
        """A non-stream ``status: "failed"`` body with OpenRouter's ``error_type``.

        Shape: fixture doc-responses-failed-body.
        """
        body = self.response("failed", [self._message_item(partial_text, "incomplete")], usage=True)
        body["error_type"] = "provider_unavailable"
        return body

    # -- output items ----------------------------------------------------------------------------------
    def _id(self, key: str) -> str:
        return self.gen.item_ids[key]

    def _reasoning_item(self, status: str, summary: str | None) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self._id("reasoning"),
            "type": "reasoning",
            "status": status,
            "summary": [] if summary is None else [{"type": "summary_text", "text": summary}],
        }
        if status == "completed":
            item["encrypted_content"] = self.gen.encrypted_reasoning
            item["format"] = "openai-responses-v1"
        return item

    def _message_item(self, text: str | None, status: str) -> dict[str, Any]:
        content = (
            [] if text is None else [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
        )
        return {
            "id": self._id("message"),
            "type": "message",
            "status": status,
            "role": "assistant",
            "content": content,
        }

    def _image_item(self, status: str) -> dict[str, Any]:
        image = self.gen.plan.image
        result = (
            base64.b64encode(image.png).decode("ascii")
            if image is not None and status == "completed"
            else None
        )
        return {"id": self._id("image"), "type": "image_generation_call", "status": status, "result": result}

    def _call_item(self, index: int, status: str, arguments: str) -> dict[str, Any]:
        call = self.gen.plan.calls[index]
        return {
            "id": self._id(f"call{index}"),
            "type": "function_call",
            "status": status,
            "call_id": call.call_id,
            "name": call.name,
            "arguments": arguments,
        }

    @property
    def _shows_reasoning(self) -> bool:
        plan = self.gen.plan
        return bool(plan.reasoning) and plan.reasoning_visible

    def output_items(self) -> list[dict[str, Any]]:
        plan = self.gen.plan
        items: list[dict[str, Any]] = []
        if self._shows_reasoning:
            items.append(self._reasoning_item("completed", plan.reasoning))
        if plan.text or not plan.calls:
            items.append(self._message_item(plan.text, "completed"))
        if plan.image is not None:
            items.append(self._image_item("completed"))
        items.extend(self._call_item(i, "completed", c.arguments) for i, c in enumerate(plan.calls))
        return items

    # -- events ----------------------------------------------------------------------------------------
    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, **fields, "sequence_number": self._sequence}
        self._sequence += 1
        return event

    def events(self, *, text_fragments: int | None = None) -> list[dict[str, Any]]:
        """Every event of the stream, in order. With ``text_fragments`` the stream fails after that many
        text deltas with ``response.failed`` (the mid-stream fault)."""
        plan = self.gen.plan
        events = [
            self._event("response.created", response=self.response("in_progress", [], usage=False)),
            self._event("response.in_progress", response=self.response("in_progress", [], usage=False)),
        ]
        output_index = 0
        if self._shows_reasoning:
            events.extend(self._reasoning_events(output_index))
            output_index += 1
        if plan.text or not plan.calls or text_fragments is not None:
            message_events, finished = self._message_events(output_index, text_fragments)
            events.extend(message_events)
            if not finished:
                partial = "".join(split_deltas(plan.text)[: text_fragments or 0])
                failed = self.response("failed", [self._message_item(partial, "incomplete")], usage=True)
                failed["error_type"] = "provider_unavailable"
                events.append(self._event("response.failed", response=failed))
                return events
            output_index += 1
        if plan.image is not None:
            events.extend(self._image_events(output_index))
            output_index += 1
        for index in range(len(plan.calls)):
            events.extend(self._call_events(output_index, index))
            output_index += 1
        status = self.final_status
        kind = "response.completed" if status == "completed" else "response.incomplete"
        events.append(self._event(kind, response=self.response(status, self.output_items(), usage=True)))
        return events

    def _reasoning_events(self, output_index: int) -> list[dict[str, Any]]:
        text = self.gen.plan.reasoning
        item_id = self._id("reasoning")
        where = {"item_id": item_id, "output_index": output_index, "summary_index": 0}
        events = [
            self._event(
                "response.output_item.added",
                output_index=output_index,
                item=self._reasoning_item("in_progress", None),
            ),
            self._event(
                "response.reasoning_summary_part.added", **where, part={"type": "summary_text", "text": ""}
            ),
        ]
        events.extend(
            self._event("response.reasoning_summary_text.delta", **where, delta=fragment)
            for fragment in split_deltas(text)
        )
        events.append(self._event("response.reasoning_summary_text.done", **where, text=text))
        events.append(
            self._event(
                "response.reasoning_summary_part.done", **where, part={"type": "summary_text", "text": text}
            )
        )
        events.append(
            self._event(
                "response.output_item.done",
                output_index=output_index,
                item=self._reasoning_item("completed", text),
            )
        )
        return events

    def _message_events(self, output_index: int, limit: int | None) -> tuple[list[dict[str, Any]], bool]:
        text = self.gen.plan.text
        item_id = self._id("message")
        where = {"output_index": output_index, "item_id": item_id, "content_index": 0}
        events = [
            self._event(
                "response.output_item.added",
                output_index=output_index,
                item=self._message_item(None, "in_progress"),
            ),
            self._event(
                "response.content_part.added",
                **where,
                part={"type": "output_text", "text": "", "annotations": [], "logprobs": []},
            ),
        ]
        fragments = split_deltas(text)
        if limit is not None:
            fragments = fragments[:limit]
        events.extend(
            self._event("response.output_text.delta", **where, delta=f, logprobs=[]) for f in fragments
        )
        if limit is not None:
            return events, False
        events.append(self._event("response.output_text.done", **where, text=text, logprobs=[]))
        events.append(
            self._event(
                "response.content_part.done",
                **where,
                part={"type": "output_text", "text": text, "annotations": [], "logprobs": []},
            )
        )
        events.append(
            self._event(
                "response.output_item.done",
                output_index=output_index,
                item=self._message_item(text, "completed"),
            )
        )
        return events, True

    def _image_events(self, output_index: int) -> list[dict[str, Any]]:
        where = {"output_index": output_index, "item_id": self._id("image")}
        done = self._image_item("completed")
        return [
            self._event(
                "response.output_item.added", output_index=output_index, item=self._image_item("in_progress")
            ),
            self._event("response.image_generation_call.in_progress", **where),
            self._event("response.image_generation_call.generating", **where),
            self._event(
                "response.image_generation_call.partial_image",
                **where,
                partial_image_index=0,
                partial_image_b64=done["result"],
            ),
            self._event("response.image_generation_call.completed", **where),
            self._event("response.output_item.done", output_index=output_index, item=done),
        ]

    def _call_events(self, output_index: int, index: int) -> list[dict[str, Any]]:
        call = self.gen.plan.calls[index]
        item_id = self._id(f"call{index}")
        where = {"output_index": output_index, "item_id": item_id}
        events = [
            self._event(
                "response.output_item.added",
                output_index=output_index,
                item=self._call_item(index, "in_progress", ""),
            )
        ]
        half = len(call.arguments) // 2
        events.extend(
            self._event("response.function_call_arguments.delta", **where, delta=part)
            for part in (call.arguments[:half], call.arguments[half:])
            if part
        )
        events.append(
            self._event(
                "response.function_call_arguments.done", **where, name=call.name, arguments=call.arguments
            )
        )
        events.append(
            self._event(
                "response.output_item.done",
                output_index=output_index,
                item=self._call_item(index, "completed", call.arguments),
            )
        )
        return events
