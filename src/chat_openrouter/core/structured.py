"""Structured output: a Python type → a strict JSON schema for the wire, and the model's answer → a value.

Used by ``ChatBuilder().with_structured_output(MyModel)``; usable on its own with a wire client::

    spec = StructuredOutput.for_type(MyModel)
    response = client.complete_sync(msgs, output=spec.schema)
    value = spec.parse(response)          # MyModel, or raises InvalidStructuredOutput

The schema is made strict-compatible by :func:`~chat_openrouter.core.json_schema.clean_schema` (see
there for the exact rewrites); in addition, a root that is not an object (``list[int]``, a union,
``int``) is wrapped as ``{"value": ...}`` because strict mode requires an object at the root;
:meth:`StructuredOutput.parse` unwraps it. Validation on our side always applies the full pydantic type,
so a value that reaches ``response.output`` is valid.
pydantic is imported only when a :class:`StructuredOutput` is created.
"""

from __future__ import annotations

import copy
import re
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import _json
from .json_schema import clean_schema, format_validation_errors
from .options import OutputSchema

if TYPE_CHECKING:
    import pydantic

    from .response import ChatResponse

__all__ = ["InvalidStructuredOutput", "StructuredOutput", "as_output_schema"]

_WRAPPER_KEY = "value"
_FENCE = re.compile(r"^```[A-Za-z0-9_-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


class InvalidStructuredOutput(ValueError):
    """The answer is not valid JSON for the requested type. ``str()`` is a message the model can act on."""

    def __init__(self, message: str, *, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass(frozen=True, eq=False)
class StructuredOutput:
    """A requested output type: the ``schema`` to send, and how to validate an answer into the type."""

    output_type: Any
    schema: OutputSchema
    adapter: pydantic.TypeAdapter[Any]
    #: True when the type's schema is not an object and is sent wrapped as ``{"value": ...}``.
    wrapped: bool = False

    @classmethod
    def for_type(
        cls, output_type: Any, *, name: str | None = None, description: str | None = None, strict: bool = True
    ) -> StructuredOutput:
        """Describe ``output_type`` (a pydantic model, dataclass, TypedDict, ``list[...]``, ...)."""
        import pydantic

        adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(output_type)
        raw = _resolve_root_ref(adapter.json_schema())
        wrapped = raw.get("type") != "object"
        if wrapped:
            defs = raw.pop("$defs", None)
            raw = {"type": "object", "properties": {_WRAPPER_KEY: raw}, "required": [_WRAPPER_KEY]}
            if defs:
                raw["$defs"] = defs
        schema_name = name or _schema_name(output_type)
        doc = description if description is not None else raw.get("description")
        return cls(
            output_type=output_type,
            schema=OutputSchema(
                name=schema_name,
                schema=clean_schema(raw, strict=strict),
                strict=strict,
                description=doc if isinstance(doc, str) else None,
            ),
            adapter=adapter,
            wrapped=wrapped,
        )

    @classmethod
    def for_schema(cls, schema: OutputSchema) -> StructuredOutput:
        """Use a ready :class:`OutputSchema` as it is: sent verbatim, the answer parsed as JSON (a dict
        or whatever the JSON holds) without a Python type to validate it into."""
        import pydantic

        return cls(output_type=Any, schema=schema, adapter=pydantic.TypeAdapter(Any), wrapped=False)

    def parse(self, response: ChatResponse) -> Any:
        """Validate the model's answer into the output type, or raise :class:`InvalidStructuredOutput`.

        A ``StructuredPart`` in the content wins over the text; otherwise the text is parsed, tolerating
        surrounding whitespace and a single Markdown code fence (some models add one despite the schema).
        """
        import pydantic

        part = response.content.structured
        try:
            if part is not None:
                value = part.value
                return self.adapter.validate_python(value[_WRAPPER_KEY] if self.wrapped else value)
            text = _strip_fence(response.text)
            if not text:
                raise InvalidStructuredOutput(
                    "the answer was empty; a JSON value matching the schema is required"
                )
            if not self.wrapped:
                return self.adapter.validate_json(text)
            try:
                document = _json.loads(text)
            except ValueError as exc:
                raise InvalidStructuredOutput(f"the answer is not valid JSON: {exc}") from None
            except RecursionError:
                raise InvalidStructuredOutput("the answer is JSON nested too deeply to read") from None
            if not isinstance(document, dict) or _WRAPPER_KEY not in document:
                raise InvalidStructuredOutput(f'the answer must be a JSON object with a "{_WRAPPER_KEY}" key')
            return self.adapter.validate_python(document[_WRAPPER_KEY])
        except pydantic.ValidationError as exc:
            message = format_validation_errors(exc, what="structured output")
            raise InvalidStructuredOutput(message, errors=exc.errors(include_url=False)) from None
        except (KeyError, TypeError) as exc:  # a StructuredPart without the wrapper key
            raise InvalidStructuredOutput(f"the answer does not match the schema: {exc!r}") from None
        except RecursionError:  # a value nested deeper than validation can follow (hostile data)
            raise InvalidStructuredOutput("the answer is nested too deeply to validate") from None

    @staticmethod
    def retry_message(error: InvalidStructuredOutput) -> str:
        """What the engine tells the model after an invalid answer (a user turn)."""
        return (
            f"Your previous answer could not be accepted: {error}\n"
            "Reply again with only the JSON value, matching the required JSON schema exactly."
        )


def _resolve_root_ref(schema: dict[str, Any]) -> dict[str, Any]:
    # A recursive model's schema is {"$ref": "#/$defs/Node", "$defs": {...}}: put the referenced object at
    # the root (strict mode wants an object there) and keep the definition for the inner references.
    ref = schema.get("$ref")
    defs = schema.get("$defs", {})
    if isinstance(ref, str) and ref.startswith("#/$defs/") and isinstance(defs, dict):
        target = defs.get(ref.removeprefix("#/$defs/"))
        if isinstance(target, dict):
            merged = {**copy.deepcopy(target), **{k: v for k, v in schema.items() if k != "$ref"}}
            return merged
    return schema


def _schema_name(output_type: Any) -> str:
    # OpenAI-wire schema names: ^[a-zA-Z0-9_-]{1,64}$. A generic alias (list[int]) has its origin's
    # name, which says nothing: call it "output".
    import typing

    if typing.get_origin(output_type) is not None:
        return "output"
    raw = getattr(output_type, "__name__", None) or "output"
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", str(raw))[:64]
    return cleaned or "output"


def _strip_fence(text: str) -> str:
    stripped = text.strip()
    match = _FENCE.match(stripped)
    return match.group(1).strip() if match else stripped


def as_output_schema(output: Any) -> OutputSchema | None:
    """What a client's ``output=`` may be: an :class:`OutputSchema`, or a type -- a pydantic model class,
    a dataclass, a ``TypedDict``, ``list[...]`` -- which is turned into its strict schema (as
    ``ChatBuilder.with_structured_output`` does). Anything else is a ``TypeError`` saying what to pass.
    """
    if output is None or isinstance(output, OutputSchema):
        return output
    if isinstance(output, type) or typing.get_origin(output) is not None:
        try:
            return StructuredOutput.for_type(output).schema
        except Exception as exc:  # pydantic cannot describe it: say so, naming what to pass instead
            raise TypeError(
                f"output={output!r} cannot be described as a JSON schema ({exc}); pass a pydantic model "
                "class or an OutputSchema(name=..., schema={...})"
            ) from None
    raise TypeError(
        f"output= takes a pydantic model class (or another type pydantic can describe) or an OutputSchema, "
        f"not {type(output).__name__}; for a JSON schema dict, pass OutputSchema(name=..., schema=...)"
    )
