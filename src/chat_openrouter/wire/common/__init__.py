"""Wire-format code both wires share: OpenRouter's own JSON conventions, written once.

The two wires (``wire/responses``, ``wire/completions``) mirror each other and never import each other
(STYLE.md, "The picture"); the core stays provider-neutral. What both wires read or write the same way
lives here, so a fix lands on both at once:

* :mod:`.lenient` -- readers for JSON we did not write (never raise, one type out);
* :mod:`.reasoning` -- ``reasoning_details`` (Chat form) <-> ``reasoning`` items (Responses form);
* :mod:`.encoding` -- part text, inline files, audio formats, ``extra_body`` merging;
* :mod:`.decoding` -- payload parsing, tool calls, usage and cost, token log probabilities;
* :mod:`.text` -- the O(text) buffer stream states accumulate fragments in.

This package imports only :mod:`chat_openrouter.core` and the error tree.
"""
