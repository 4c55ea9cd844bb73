"""What bytes of media are, from their first bytes: written once for everyone who must tell.

The CLI types an attached file (``-a photo``), the images API types a generated image, the audio APIs
and both wires name the format of audio (``input_audio.format``, an answer's audio output). Each used to
carry its own table of magic numbers; they agree now by construction.
"""

from __future__ import annotations

__all__ = [
    "AUDIO_MEDIA_TYPES",
    "audio_format",
    "audio_format_name",
    "audio_media_type",
    "sniff_audio_format",
    "sniff_image",
    "sniff_media_type",
]

#: Magic numbers of the image formats models read and image models write (PNG, JPEG, GIF).
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
)

#: The media type of each ``input_audio.format`` (spec ChatContentAudio: wav, mp3, flac, m4a, ogg, aiff,
#: aac, pcm16), the names :func:`sniff_audio_format` gives too.
AUDIO_MEDIA_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "aiff": "audio/aiff",
    "aac": "audio/aac",
    "pcm16": "audio/pcm",
}

# MIME type -> `input_audio.format`, every format the spec's ChatContentAudio lists (wav, mp3, flac, m4a,
# ogg, aiff, aac, pcm16). The Responses wire accepts only the mp3 and wav rows (spec InputAudio).
_AUDIO_FORMATS = {
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/ogg": "ogg",
    "audio/aiff": "aiff",
    "audio/x-aiff": "aiff",
    "audio/aac": "aac",
    "audio/x-aac": "aac",
    "audio/l16": "pcm16",
    "audio/pcm": "pcm16",
}



def audio_format(mime_type: str) -> str | None:
    """The ``input_audio.format`` name of a known audio MIME type (parameters ignored), else None."""
    return _AUDIO_FORMATS.get(mime_type.split(";", 1)[0].strip().lower())


def audio_format_name(mime_type: str) -> str:
    """The spec's name for a known type; else the MIME subtype (``audio/x-opus`` -> ``opus``), so a format
    newer than the spec still reaches providers that take it."""
    known = audio_format(mime_type)
    if known is not None:
        return known
    subtype = mime_type.split(";", 1)[0].strip().lower().split("/", 1)[-1]
    return subtype[2:] if subtype.startswith("x-") else subtype


def audio_media_type(audio_format: str) -> str:
    """The media type of an ``input_audio.format`` name (an unknown name ``x`` is ``audio/x``)."""
    return AUDIO_MEDIA_TYPES.get(audio_format, f"audio/{audio_format}")


def sniff_image(data: bytes) -> str | None:
    """The MIME type of image bytes (PNG, JPEG, GIF, WebP, SVG), else None."""
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:256].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "image/svg+xml"
    return None


def sniff_audio_format(data: bytes) -> str | None:
    """The format of audio bytes (``wav``, ``mp3``, ``flac``, ``ogg``, ``m4a``, ``aiff``: the names
    ``input_audio.format`` uses), else None (headerless PCM, or unknown)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"  # an ID3 tag, or an MPEG frame sync (11 set bits)
    if data.startswith(b"fLaC"):
        return "flac"
    if data.startswith(b"OggS"):
        return "ogg"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data.startswith(b"FORM") and data[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    return None


def sniff_media_type(data: bytes) -> str | None:
    """The media type of a file models may take -- image, PDF, audio or video -- else None."""
    image = sniff_image(data)
    if image is not None:
        return image
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[4:8] == b"ftyp":  # the ISO container: M4A brands are audio, the rest video
        return "audio/mp4" if data[8:11] == b"M4A" else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    audio = sniff_audio_format(data)
    return None if audio is None else AUDIO_MEDIA_TYPES[audio]
