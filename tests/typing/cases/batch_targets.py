"""A batch job takes a wire client, a Chat or a ChatBuilder; anything else is caught by the type checker."""

from chat_openrouter import ChatBuilder, OpenRouterBuilder
from chat_openrouter.batch import BatchJob

client = OpenRouterBuilder().with_model("m").build()
BatchJob(client, concurrency=4)
BatchJob(ChatBuilder().with_model(client))
BatchJob(ChatBuilder().with_model(client).build())
BatchJob("openai/gpt-4o-mini")  # E: arg-type
