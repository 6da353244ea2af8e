"""The HTTP face of the service: OpenAI's wire format on loopback.

    GET  /health                     what is loaded and whether it is ready
    GET  /v1/models                  the models it serves
    POST /v1/audio/transcriptions    multipart: file, model, language, prompt, response_format
                                     (json, text, verbose_json), timestamp_granularities[]
                                     (segment, word), temperature

Errors have OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import VERSION, audio, multipart
from .transcriber import Result, Transcriber

log = logging.getLogger("cinema-models")

# A film's soundtrack goes up in pieces of minutes; an hour of 16 kHz WAV would be 115 MB.
MAX_BODY = 64 << 20
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
FORMATS = {"json", "text", "verbose_json"}


class RequestError(Exception):
    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code


class Service:
    """What the handler serves: the loaded transcriber and its description."""

    def __init__(self, transcriber: Transcriber, model_name: str, threads: int, decoders: int):
        self.transcriber = transcriber
        self.model_name = model_name
        self.threads = threads
        self.decoders = decoders
        self.started = time.time()
        self.served = 0
        self.lock = threading.Lock()

    def health(self) -> dict:
        return {
            "status": "ok",
            "service": "cinema-models",
            "version": VERSION,
            "speech": {
                "model": self.model_name,
                "threads": self.threads,
                "decoders": self.decoders,
                "beam_size": self.transcriber.options.beam_size,
            },
            "transcriptions": self.served,
            "uptime_seconds": round(time.time() - self.started, 1),
        }


def _field(parts: list[multipart.Part], name: str) -> str | None:
    for part in parts:
        if part.name == name and part.filename is None:
            return part.data.decode("utf-8", "replace").strip()
    return None


def _fields(parts: list[multipart.Part], name: str) -> list[str]:
    return [part.data.decode("utf-8", "replace").strip() for part in parts if part.name == name]


def verbose(result: Result, words: bool) -> dict:
    body = {
        "task": "transcribe",
        "language": result.language,
        "duration": round(result.duration, 3),
        "text": result.text,
        "segments": [
            {key: value for key, value in asdict(segment).items() if key != "words"} for segment in result.segments
        ],
    }
    if words:
        body["words"] = [asdict(word) for segment in result.segments for word in segment.words]
    return body


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `[::1]:80` → `[::1]`, `localhost:80` → `localhost`."""
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Handler(BaseHTTPRequestHandler):
    server_version = f"cinema-models/{VERSION}"
    protocol_version = "HTTP/1.1"
    # A caller that stops sending mid-request (or keeps an idle connection) frees its thread
    # after this many seconds instead of holding it for ever.
    timeout = 60
    service: Service  # set on the subclass made by `serve`

    def log_message(self, format, *args):  # noqa: A002 — the standard library's name
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def _error(self, error: RequestError) -> None:
        kind = "invalid_request_error" if error.status < 500 else "server_error"
        self._json(
            error.status,
            {"error": {"message": error.message, "type": kind, "param": error.param, "code": error.code}},
        )

    def _guard(self) -> None:
        # Only programs on this machine: a web page (it sends Origin) or a rebound host name
        # (DNS rebinding) must not reach a service that listens on loopback.
        host = host_name(self.headers.get("Host") or "")
        if host and host not in LOOPBACK_NAMES:
            raise RequestError(403, f"Host '{host}' is not this service's: it answers on loopback only.", code="host-not-allowed")
        if self.headers.get("Origin"):
            raise RequestError(403, "Web pages may not call the model service.", code="origin-not-allowed")

    def do_GET(self):  # noqa: N802 — the standard library's name
        try:
            self._guard()
            path = self.path.split("?", 1)[0]
            if path == "/health":
                self._json(200, self.service.health())
            elif path == "/v1/models":
                self._json(
                    200,
                    {
                        "object": "list",
                        "data": [{"id": f"whisper-{self.service.model_name}", "object": "model", "owned_by": "cinema-models"}],
                    },
                )
            else:
                raise RequestError(404, f"No such path: {path}. This service has /health, /v1/models and /v1/audio/transcriptions.", code="not-found")
        except RequestError as error:
            self._error(error)

    def do_POST(self):  # noqa: N802
        try:
            self._guard()
            path = self.path.split("?", 1)[0]
            if path != "/v1/audio/transcriptions":
                raise RequestError(404, f"No such path: {path}.", code="not-found")
            self._transcribe()
        except RequestError as error:
            self.close_connection = error.status in (400, 411, 413)
            self._error(error)
        except Exception as error:  # The service keeps serving; the caller sees what went wrong.
            log.exception("transcription failed")
            self._error(RequestError(500, f"Transcription failed: {type(error).__name__}: {error}", code="internal"))

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise RequestError(411, "A Content-Length is required.", code="length-required")
        try:
            size = int(length)
        except ValueError:
            raise RequestError(400, f"Content-Length '{length}' is not a number.", code="bad-length") from None
        if size > MAX_BODY:
            raise RequestError(
                413, f"The upload is {size} bytes; the limit is {MAX_BODY}. Send long audio in pieces.", code="too-large"
            )
        data = self.rfile.read(size)
        if len(data) != size:
            raise RequestError(400, "The upload ended before its Content-Length.", code="truncated")
        return data

    def _transcribe(self) -> None:
        try:
            parts = multipart.parse(self._body(), self.headers.get("Content-Type", ""))
        except multipart.FormError as error:
            raise RequestError(400, str(error), code="bad-form") from None
        upload = next((part for part in parts if part.name == "file"), None)
        if upload is None:
            raise RequestError(400, "The form has no 'file' part: send the audio as file=@question.wav.", param="file")
        response_format = _field(parts, "response_format") or "json"
        if response_format not in FORMATS:
            raise RequestError(
                400, f"response_format '{response_format}' is not served; use json, text or verbose_json.", param="response_format"
            )
        granularities = set(_fields(parts, "timestamp_granularities[]") + _fields(parts, "timestamp_granularities"))
        unknown = granularities - {"segment", "word"}
        if unknown:
            raise RequestError(400, f"Unknown timestamp granularity: {', '.join(sorted(unknown))}; use segment or word.", param="timestamp_granularities[]")
        words = "word" in granularities and response_format == "verbose_json"
        temperature = None
        if (raw := _field(parts, "temperature")) not in (None, ""):
            try:
                temperature = float(raw)
            except ValueError:
                raise RequestError(400, f"temperature '{raw}' is not a number.", param="temperature") from None
            if not 0 <= temperature <= 1:
                raise RequestError(400, "temperature must be between 0 and 1.", param="temperature")
        language = _field(parts, "language") or None
        try:
            samples = audio.decode(upload.data)
        except audio.AudioError as error:
            raise RequestError(400, str(error), param="file", code="bad-audio") from None
        result = self.service.transcriber.transcribe(
            samples, language=language, prompt=_field(parts, "prompt"), words=words, temperature=temperature
        )
        with self.service.lock:
            self.service.served += 1
        log.info(
            "heard %.1f s in %.2f s (%s path): %r", result.duration, result.seconds, result.path, result.text[:80]
        )
        if response_format == "text":
            self._send(200, (result.text + "\n").encode(), "text/plain; charset=utf-8")
        elif response_format == "verbose_json":
            self._json(200, verbose(result, words))
        else:
            self._json(200, {"text": result.text})


def make_server(service: Service, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"service": service})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
