"""multipart/form-data, as OpenAI's upload endpoints take it: named fields and one file."""

from __future__ import annotations

from dataclasses import dataclass


class FormError(Exception):
    pass


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def boundary(content_type: str) -> bytes:
    kind, _, parameters = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        raise FormError(f"The body must be multipart/form-data (a file upload), not '{kind.strip() or 'none'}'.")
    for parameter in parameters.split(";"):
        key, _, value = parameter.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    raise FormError("The multipart/form-data content type names no boundary.")


def _disposition(value: str) -> dict[str, str]:
    fields = {}
    for item in value.split(";")[1:]:
        key, _, raw = item.strip().partition("=")
        fields[key.lower()] = raw.strip().strip('"')
    return fields


def _next_delimiter(body: bytes, delimiter: bytes, start: int) -> int:
    """Where the CRLF before the next boundary line begins, or -1. A boundary line is the delimiter
    followed by "--" (the last) or by a line end, after optional spaces (RFC 2046): audio bytes
    that merely begin like the delimiter are data."""
    position = body.find(b"\r\n" + delimiter, start)
    while position >= 0:
        after = position + 2 + len(delimiter)
        if body[after : after + 2] == b"--" or body[after : after + 200].lstrip(b" \t").startswith(b"\r\n"):
            return position
        position = body.find(b"\r\n" + delimiter, position + 1)
    return -1


def parse(body: bytes, content_type: str) -> list[Part]:
    delimiter = b"--" + boundary(content_type)
    parts: list[Part] = []
    position = body.find(delimiter)
    if position < 0:
        raise FormError("The form's boundary does not occur in the body.")
    while True:
        position += len(delimiter)
        if body[position : position + 2] == b"--":
            return parts
        head_end = body.find(b"\r\n\r\n", position)
        if head_end < 0:
            raise FormError("A form part has no end to its headers.")
        headers = {}
        for line in body[position:head_end].decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            if key.strip():
                headers[key.strip().lower()] = value.strip()
        following = _next_delimiter(body, delimiter, head_end + 4)
        if following < 0:
            raise FormError("The form ends before its closing boundary.")
        disposition = _disposition(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name:
            parts.append(Part(name, disposition.get("filename"), headers.get("content-type"), body[head_end + 4 : following]))
        position = following + 2
