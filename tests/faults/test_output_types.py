"""``output=`` takes what users pass (issue 13, item 12): a pydantic model class is accepted on every
client method (described as the strict schema ``with_structured_output`` would send), an
``OutputSchema`` as before; anything else is a ``TypeError`` saying what to pass. A Chat takes either
too: a type is validated into ``response.output``, a ready ``OutputSchema`` is sent as it is.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import BaseModel

from chat_openrouter import ChatBuilder, OutputSchema, messages
from chat_openrouter.core.structured import StructuredOutput

from ._server import FaultServer, json_body, sse
from ._wires import COMPLETIONS, WIRES, Sleeps, Wire, make_client

wires = pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.name)
METHODS = ["complete_sync", "complete", "stream_sync", "stream"]


class City(BaseModel):
    name: str
    population: int


def call(client: Any, method: str, output: Any) -> Any:
    conversation = messages.from_user("a city")
    if method == "complete_sync":
        return client.complete_sync(conversation, output=output)
    if method == "stream_sync":
        return client.stream_sync(conversation, output=output).final_response()

    async def go() -> Any:
        if method == "complete":
            return await client.complete(conversation, output=output)
        return await client.stream(conversation, output=output).final_response()

    return asyncio.run(go())


def sent_schema(wire: Wire, body: dict[str, Any]) -> dict[str, Any]:
    if wire is COMPLETIONS:
        return body["response_format"]["json_schema"]  # type: ignore[no-any-return]
    return body["text"]["format"]  # type: ignore[no-any-return]


@wires
@pytest.mark.parametrize("method", METHODS)
def test_a_pydantic_model_class_is_accepted_as_output(wire: Wire, method: str) -> None:
    behaviour = sse(wire.good_stream("Hello")) if method.startswith("stream") else json_body(wire.ok_body)
    with FaultServer(behaviour) as server:
        client = make_client(wire, server.url, Sleeps())
        assert call(client, method, City).text == "Hello"
    schema = sent_schema(wire, server.requests[0].json())
    expected = StructuredOutput.for_type(City).schema
    assert schema["name"] == "City" and schema["strict"] is True
    assert schema["schema"] == expected.schema


@wires
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "bad",
    [{"type": "object"}, City(name="x", population=1), "City", 42],
    ids=["schema-dict", "model-instance", "string", "int"],
)
def test_anything_else_is_a_type_error_that_says_what_to_pass(wire: Wire, method: str, bad: Any) -> None:
    client = make_client(wire, "http://127.0.0.1:9/api/v1", Sleeps())
    with pytest.raises(TypeError, match="pydantic model class") as caught:
        call(client, method, bad)
    assert "OutputSchema" in str(caught.value)


@wires
def test_a_chat_accepts_a_ready_output_schema(wire: Wire) -> None:
    schema = OutputSchema(
        name="city",
        schema={
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
    )
    answer = json.loads(json.dumps(wire.ok_body).replace('"Hello"', json.dumps('{"name": "Lyon"}')))
    with FaultServer(json_body(answer)) as server:
        chat = (
            ChatBuilder()
            .with_model(make_client(wire, server.url, Sleeps()))
            .with_structured_output(schema)
            .build()
        )
        response = chat.complete_sync(messages.from_user("a city"))
    assert response.output == {"name": "Lyon"}
    assert sent_schema(wire, server.requests[0].json())["schema"] == schema.schema
