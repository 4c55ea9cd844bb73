"""Deterministic "meaning" for the emulator's embedding and rerank models, from words alone.

An embedding is a *hashed bag of words* projected onto a unit vector: every word (lower-cased, with common
English endings stripped, so "resetting" counts as "reset") and every pair of neighbouring words gets a
fixed pseudo-random direction derived from its hash, and a text's vector is the weighted sum of its words'
directions, normalised -- function words ("the", "of", "my" ...) weigh little. So

* equal texts give equal vectors (and the same text gives the same vector in every run and process);
* texts that share words point in similar directions: their cosine similarity is clearly above that of
  unrelated texts, which is close to 0 -- enough for users' tests to assert "the closest document wins";
* ``dimensions=d`` gives the first ``d`` components renormalised (as OpenAI's ``text-embedding-3``
  models do), because each direction is a prefix of one SHAKE-256 stream.

Rerank scores are the cosine similarity of the query's and the document's word counts, function words
ignored, so a document that shares the query's content words ranks first.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import re
import struct
from collections import Counter
from collections.abc import Iterable

__all__ = ["embed", "encode_base64", "relevance", "words"]

_WORD = re.compile(r"\w+", re.UNICODE)
_BIGRAM_WEIGHT = 0.3
_STOPWORD_WEIGHT = 0.2
_STOPWORDS = frozenset(
    (
        *("a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has"),
        *("have", "how", "i", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "that", "the"),
        *("this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will"),
        *("with", "you", "your"),
    )
)
_ENDINGS = ("ing", "ed", "es", "s")


def _stem(word: str) -> str:
    """A crude English stemmer: enough for "resetting"/"reset" and "documents"/"document" to meet."""
    if word.endswith(("ss", "us", "is")):  # "class", "status", "analysis" are not plurals
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiousl":
                word = word[:-1]  # "resett" -> "reset"
            break
    return word


def words(text: str) -> list[str]:
    """The text's words, lower-cased and stemmed: the features embeddings and rerank work on."""
    return [w if w in _STOPWORDS else _stem(w) for w in (m.lower() for m in _WORD.findall(text))]


def _direction(feature: str, dims: int) -> list[float]:
    # 16-bit samples of one SHAKE-256 stream, centred on 0: a fixed pseudo-random direction per feature.
    raw = hashlib.shake_256(feature.encode("utf-8")).digest(2 * dims)
    return [(v - 32767.5) / 32767.5 for v in struct.unpack(f"<{dims}H", raw)]


def embed(features: Iterable[str], dims: int) -> list[float]:
    """A unit vector of ``dims`` components for a text's ``features`` (its words, or token ids, in order)."""
    counts: dict[str, float] = {}
    tokens = list(features)
    for token in tokens:
        counts[token] = counts.get(token, 0.0) + (_STOPWORD_WEIGHT if token in _STOPWORDS else 1.0)
    for left, right in itertools.pairwise(tokens):
        counts[f"{left} {right}"] = counts.get(f"{left} {right}", 0.0) + _BIGRAM_WEIGHT
    vector = [0.0] * dims
    for feature, weight in sorted(counts.items()):
        vector = [v + weight * d for v, d in zip(vector, _direction(feature, dims), strict=True)]
    if not counts:  # no features at all: a fixed direction, still unit length
        vector = _direction("", dims)
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector]


def encode_base64(vector: list[float]) -> str:
    """``encoding_format: "base64"``: little-endian float32s, base64-encoded (OpenAI's format)."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def relevance(query: str, document: str) -> float:
    """How relevant ``document`` is to ``query``, in [0, 1]: cosine of their content-word counts."""
    q = Counter(w for w in words(query) if w not in _STOPWORDS)
    d = Counter(w for w in words(document) if w not in _STOPWORDS)
    if not q or not d:
        return 0.0
    dot = sum(count * d[word] for word, count in q.items())
    norm = math.sqrt(sum(c * c for c in q.values())) * math.sqrt(sum(c * c for c in d.values()))
    return round(dot / norm, 6)
