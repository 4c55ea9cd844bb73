"""Structured output schemas: strict-compatible rewrites and parsing answers into the requested type."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from chat_openrouter.core.json_schema import clean_schema
from chat_openrouter.core.messages import Content
from chat_openrouter.core.response import ChatResponse
from chat_openrouter.core.structured import InvalidStructuredOutput, StructuredOutput


class Address(BaseModel):
    city: str


class Node(BaseModel):
    """A tree node."""

    label: str
    children: list[Node] = []


class Customer(BaseModel):
    name: str = Field(description="Full name")
    nickname: str | None = None
    home: Address = Field(description="Where they live")
    tags: dict[str, int] = {}


def _walk(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        found.append(schema)
        for value in schema.values():
            found.extend(_walk(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(_walk(value))
    return found


def test_strict_schema_rewrites() -> None:
    spec = StructuredOutput.for_type(Customer)
    schema = spec.schema.schema
    assert spec.schema.strict is True
    assert spec.schema.name == "Customer"
    assert schema["required"] == ["name", "nickname", "home", "tags"]  # defaults are required too
    assert schema["additionalProperties"] is False
    # A $ref with a sibling description is inlined (strict mode rejects $ref siblings).
    assert schema["properties"]["home"] == {
        "description": "Where they live",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "type": "object",
        "additionalProperties": False,
    }
    # A free-form dict keeps its value schema (documented caveat: some providers reject it in strict).
    assert schema["properties"]["tags"]["additionalProperties"] == {"type": "integer"}
    nodes = _walk(schema)
    assert not any("title" in n and isinstance(n["title"], str) for n in nodes)
    assert not any("default" in n for n in nodes)


def test_recursive_models_keep_their_refs() -> None:
    spec = StructuredOutput.for_type(Node)
    schema = spec.schema.schema
    assert schema["properties"]["children"] == {"items": {"$ref": "#/$defs/Node"}, "type": "array"}
    assert schema["$defs"]["Node"]["additionalProperties"] is False
    assert spec.schema.description == "A tree node."
    value = spec.parse(
        ChatResponse(content=Content.model('{"label": "a", "children": [{"label": "b", "children": []}]}'))
    )
    assert value == Node(label="a", children=[Node(label="b")])


def test_non_strict_schema_keeps_defaults_and_optional_fields() -> None:
    spec = StructuredOutput.for_type(Customer, strict=False)
    schema = spec.schema.schema
    assert spec.schema.strict is False
    assert schema["required"] == ["name", "home"]
    assert "additionalProperties" not in schema
    assert schema["properties"]["nickname"]["default"] is None


def test_a_property_named_title_survives() -> None:
    class Book(BaseModel):
        title: str

    schema = clean_schema(Book.model_json_schema(), strict=True)
    assert schema["properties"] == {"title": {"type": "string"}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the answer was empty"),
        ("{", "Invalid JSON"),
        ('{"name": "x"}', "- home: Field required"),
    ],
)
def test_parse_failures_explain_themselves(text: str, message: str) -> None:
    spec = StructuredOutput.for_type(Customer)
    with pytest.raises(InvalidStructuredOutput, match=message):
        spec.parse(ChatResponse(content=Content.model(text)))


def test_wrapped_types_require_the_value_key() -> None:
    spec = StructuredOutput.for_type(int)
    assert spec.wrapped
    assert spec.parse(ChatResponse(content=Content.model('{"value": 5}'))) == 5
    with pytest.raises(InvalidStructuredOutput, match='"value" key'):
        spec.parse(ChatResponse(content=Content.model("5")))
    with pytest.raises(InvalidStructuredOutput, match="not valid JSON"):
        spec.parse(ChatResponse(content=Content.model("five")))
