"""Provider-neutral core: messages and parts, responses, usage, options, stream events, tools."""
