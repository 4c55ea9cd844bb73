"""Chat is generic over its structured output: through complete, streams, Done events, pauses and resume."""

from typing import reveal_type

from pydantic import BaseModel

from chat_openrouter import ChatBuilder, Done, OpenRouterBuilder, Structured
from chat_openrouter.testing import ScriptedProvider


class Person(BaseModel):
    name: str
    age: int


client = OpenRouterBuilder().with_model("m").build()
plain = ChatBuilder().with_model(client).build()
reveal_type(plain)  # R: chat_openrouter.core.chat.Chat[None]
reveal_type(plain.complete_sync("Hi").output)  # R: None

chat = ChatBuilder().with_model(client).with_structured_output(Person).with_max_steps(3).build()
reveal_type(chat)  # R: chat_openrouter.core.chat.Chat[chat_output.Person]
response = chat.complete_sync("Who?")
reveal_type(response.output)  # R: chat_output.Person
reveal_type(response.messages)  # R: chat_openrouter.core.messages.Messages
reveal_type(response.steps[0])  # R: chat_openrouter.core.response.ChatResponse[None]
if response.pause is not None:
    reveal_type(chat.resume_sync(response.pause.approve_all()).output)  # R: chat_output.Person

with chat.stream_sync("Who?") as stream:
    for event in stream:
        match event:
            case Structured(value=value):
                reveal_type(value)  # R: chat_output.Person
            case Done(response=done):
                reveal_type(done.output)  # R: chat_output.Person
    reveal_type(stream.final_response())  # R: chat_openrouter.core.response.ChatResponse[chat_output.Person]


async def run() -> None:
    async with chat.stream("Who?") as events:
        reveal_type(await events.final_response())  # R: chat_openrouter.core.response.ChatResponse[chat_output.Person]
    reveal_type((await chat.complete("Who?")).output)  # R: chat_output.Person


numbers = ChatBuilder().with_model(ScriptedProvider([])).with_structured_output(list[int]).build()
reveal_type(numbers.complete_sync("Count").output)  # R: list[int]
chat.complete_sync({"role": "user"})  # E: arg-type
