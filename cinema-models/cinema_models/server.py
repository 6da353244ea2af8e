"""The HTTP face of the service: OpenAI's wire format on loopback.

    GET  /health                     what is loaded and whether it is ready
    GET  /v1/models                  the models it serves
    POST /v1/audio/transcriptions    multipart: file, model, language, prompt, response_format
                                     (json, text, verbose_json), timestamp_granularities[]
                                     (segment, word), temperature
    POST /v1/embeddings              JSON: model (all-MiniLM-L6-v2), input (a string or up to 2048
                                     of them), encoding_format (float, base64), dimensions (384)

Errors have OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import VERSION, audio, multipart
from .embedder import Embedder
from .transcriber import Result, Transcriber

log = logging.getLogger("cinema-models")

# A film's soundtrack goes up in pieces of minutes; an hour of 16 kHz WAV would be 115 MB.
MAX_BODY = 64 << 20
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
FORMATS = {"json", "text", "verbose_json"}
# Embedding requests are JSON text: 2048 subtitle lines are a few hundred kB, so 8 MB is room for
# long lines without reading an upload of any size into memory.
MAX_JSON_BODY = 8 << 20
# OpenAI's own limit on inputs in one embeddings request.
MAX_INPUTS = 2048
# The names a client may ask for the embedding model by: its own, and its Hugging Face id.
EMBEDDING_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
ENCODINGS = {"float", "base64"}


class RequestError(Exception):
    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code


class Service:
    """What the handler serves: the loaded transcriber, the embedder unless it was left out, and
    their description."""

    def __init__(
        self, transcriber: Transcriber, model_name: str, threads: int, decoders: int, embedder: Embedder | None = None
    ):
        self.transcriber = transcriber
        self.model_name = model_name
        self.threads = threads
        self.decoders = decoders
        self.embedder = embedder
        self.started = time.time()
        self.served = 0
        self.embedded = 0
        self.lock = threading.Lock()

    def embeddings(self) -> dict | None:
        if self.embedder is None:
            return None
        return {
            "model": self.embedder.name,
            "dimensions": self.embedder.dimensions,
            "max_tokens": self.embedder.max_tokens,
            "threads": self.embedder.threads,
            "embedded": self.embedded,
        }

    def models(self) -> list[str]:
        names = [f"whisper-{self.model_name}"]
        if self.embedder is not None:
            names.append(self.embedder.name)
        return names

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
            "embeddings": self.embeddings(),
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


def embedding_request(body: bytes, embedder: Embedder | None) -> tuple[list[str], str]:
    """The texts of an embeddings request and the encoding wanted, or a RequestError saying what
    is wrong with it, in OpenAI's terms."""
    try:
        request = json.loads(body)
    except ValueError as error:
        raise RequestError(400, f"The body is not JSON ({error}); send {{\"model\": ..., \"input\": ...}}.", code="bad-json") from None
    if not isinstance(request, dict):
        raise RequestError(400, "The body must be a JSON object with 'model' and 'input'.", code="bad-json")
    model = request.get("model")
    if not isinstance(model, str) or not model:
        raise RequestError(400, "'model' is required: all-MiniLM-L6-v2.", param="model")
    if model not in EMBEDDING_NAMES:
        raise RequestError(
            404, f"The model '{model}' is not served here; embeddings come from all-MiniLM-L6-v2.", param="model", code="model_not_found"
        )
    if embedder is None:
        raise RequestError(
            404, "The embedding model is not loaded: the service was started with --no-embeddings.", param="model", code="model_not_found"
        )
    encoding = request.get("encoding_format") or "float"
    if not isinstance(encoding, str) or encoding not in ENCODINGS:
        raise RequestError(400, f"encoding_format {json.dumps(encoding)} is not served; use float or base64.", param="encoding_format")
    dimensions = request.get("dimensions")
    if dimensions is not None and dimensions != embedder.dimensions:
        raise RequestError(400, f"dimensions must be {embedder.dimensions}, the model's own; it cannot be shortened.", param="dimensions")
    return texts(request.get("input")), encoding


def texts(value) -> list[str]:
    """`input` as a list of non-empty strings. Token arrays (which OpenAI also takes) are refused:
    they would be another tokenizer's ids."""
    if value is None:
        raise RequestError(400, "'input' is required: a string or a list of strings.", param="input")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise RequestError(400, "'input' must be a string or a list of strings.", param="input")
    if not items:
        raise RequestError(400, "'input' is an empty list; send at least one string.", param="input")
    if len(items) > MAX_INPUTS:
        raise RequestError(400, f"'input' has {len(items)} items; the limit is {MAX_INPUTS} a request.", param="input")
    for index, item in enumerate(items):
        where = "'input'" if isinstance(value, str) else f"input[{index}]"
        if not isinstance(item, str):
            raise RequestError(400, f"{where} is not a string; send text (token arrays are not served).", param="input")
        if not item:
            raise RequestError(400, f"{where} is an empty string; there is nothing to embed.", param="input")
    return items


def embedding_body(vectors, encoding: str, tokens: int, model: str) -> dict:
    """OpenAI's response: one object per input in order; base64 is the little-endian float32
    bytes, a quarter the size of the JSON numbers."""
    if encoding == "base64":
        values = [base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii") for vector in vectors]
    else:
        values = vectors.tolist()
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": index, "embedding": value} for index, value in enumerate(values)],
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `[::1]:80` → `[::1]`, `localhost:80` → `localhost`."""
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Handler(BaseHTTPRequestHandler):
    server_version = f"cinema-models/{VERSION}"
    protocol_version = "HTTP/1.1"
    # The head and the body of an answer go out as two writes; with Nagle's algorithm the body
    # then waits for the caller's delayed ACK of the head, 40 ms on Linux: longer than a whole
    # embedding takes. TCP_NODELAY sends it at once.
    disable_nagle_algorithm = True
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
                        "data": [{"id": name, "object": "model", "owned_by": "cinema-models"} for name in self.service.models()],
                    },
                )
            else:
                raise RequestError(
                    404,
                    f"No such path: {path}. This service has /health, /v1/models, /v1/audio/transcriptions and /v1/embeddings.",
                    code="not-found",
                )
        except RequestError as error:
            self._error(error)

    def do_POST(self):  # noqa: N802
        path = self.path.split("?", 1)[0]
        try:
            self._guard()
            if path == "/v1/audio/transcriptions":
                self._transcribe()
            elif path == "/v1/embeddings":
                self._embed()
            else:
                raise RequestError(404, f"No such path: {path}.", code="not-found")
        except RequestError as error:
            self.close_connection = error.status in (400, 411, 413)
            self._error(error)
        except Exception as error:  # The service keeps serving; the caller sees what went wrong.
            what = "Embedding" if path == "/v1/embeddings" else "Transcription"
            log.exception("%s failed", what.lower())
            self._error(RequestError(500, f"{what} failed: {type(error).__name__}: {error}", code="internal"))

    def _body(self, limit: int = MAX_BODY) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise RequestError(411, "A Content-Length is required.", code="length-required")
        try:
            size = int(length)
        except ValueError:
            raise RequestError(400, f"Content-Length '{length}' is not a number.", code="bad-length") from None
        if size > limit:
            advice = "Send long audio in pieces." if limit == MAX_BODY else f"Send at most {MAX_INPUTS} lines a request."
            raise RequestError(413, f"The upload is {size} bytes; the limit is {limit}. {advice}", code="too-large")
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


    def _embed(self) -> None:
        texts, encoding = embedding_request(self._body(MAX_JSON_BODY), self.service.embedder)
        started = time.monotonic()
        result = self.service.embedder.embed(texts)
        with self.service.lock:
            self.service.embedded += len(texts)
        log.info("embedded %d text(s), %d tokens, in %.3f s", len(texts), result.tokens, time.monotonic() - started)
        self._json(200, embedding_body(result.vectors, encoding, result.tokens, self.service.embedder.name))


def make_server(service: Service, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"service": service})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
