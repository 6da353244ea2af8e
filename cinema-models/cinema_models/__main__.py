"""python -m cinema_models serve | install | verify — see --help."""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import sys
import threading
from pathlib import Path

# Nothing may reach for the network: a gallery box is often offline, and the weights are local.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from . import VERSION, weights  # noqa: E402

# Exit status for "the weights are missing or damaged": the supervisor stops restarting quickly,
# because the same start would fail the same way until someone reinstalls.
EXIT_BAD_WEIGHTS = 78


def _die_with_parent() -> None:
    """If the `cinema` that started the service is killed outright, the service goes too, rather
    than holding its port and its memory as an orphan."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            sys.exit(0)
    except OSError:
        pass


def serve(arguments) -> int:
    threads = arguments.threads or os.cpu_count() or 1
    # numpy's BLAS (the embedder's matrix products) on one thread: the embedder spreads its batches
    # over `threads` workers instead (embedder.py says why). Read once, when numpy is first
    # imported, which the imports below do.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .server import Service, make_server
    from .transcriber import Options, Transcriber

    if arguments.host not in ("127.0.0.1", "::1", "localhost") and not arguments.allow_remote:
        print(f"cinema-models listens on loopback only, not {arguments.host}; it has no token.", file=sys.stderr)
        return 64
    if arguments.parent_watch:
        _die_with_parent()
    try:
        speech = weights.model(arguments.model)
        folder = weights.verify(speech, Path(arguments.weights))
        embedding_folder = None
        if not arguments.no_embeddings:
            embedding_folder = weights.verify(weights.EMBEDDING_MODEL, Path(arguments.weights))
    except weights.WeightsError as error:
        print(f"cinema-models: {error}", file=sys.stderr)
        return EXIT_BAD_WEIGHTS
    options = Options(beam_size=arguments.beam_size)
    try:
        transcriber = Transcriber(folder, threads=threads, decoders=arguments.decoders, options=options)
        transcriber.warm_up()
    except Exception as error:  # CTranslate2 says "Unable to load model" and the like.
        print(f"cinema-models: the Whisper {speech.name} model in {folder} could not be loaded: {error}", file=sys.stderr)
        return EXIT_BAD_WEIGHTS
    embedder = None
    if embedding_folder is not None:
        embedder = load_embedder(embedding_folder, threads)
        if embedder is None:
            return EXIT_BAD_WEIGHTS
    service = Service(transcriber, speech.name, threads, arguments.decoders, embedder)
    server = make_server(service, arguments.host, arguments.port)
    # SIGTERM (the supervisor stopping it) ends serving the same way as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    host, port = server.server_address[:2]
    # The supervisor reads this line for the port (the service may be started on port 0).
    print(
        f"cinema-models {VERSION} listening on http://{host}:{port} (speech: whisper {speech.name}, "
        f"{threads} threads, {arguments.decoders} decoder(s), beam {arguments.beam_size}; "
        f"embeddings: {embedder.name if embedder else 'off'})",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def load_embedder(folder: Path, threads: int):
    """The embedding model, loaded and run once; None (having said why) if its checked files
    still cannot be read as the model."""
    from .embedder import Embedder

    try:
        embedder = Embedder(folder, threads=threads)
        embedder.warm_up()
    except Exception as error:  # a malformed header, a missing tensor, a tokenizer it cannot read
        print(f"cinema-models: the embedding model in {folder} could not be loaded: {error}", file=sys.stderr)
        return None
    return embedder


def install(arguments) -> int:
    names = arguments.models or list(weights.ALL_MODELS)
    for name in names:
        try:
            spec = weights.installable(name)
            folder = weights.install(spec, Path(arguments.weights))
        except weights.WeightsError as error:
            print(f"cinema-models: {error}", file=sys.stderr)
            return EXIT_BAD_WEIGHTS
        print(f"{spec.described}: installed and checked in {folder}")
    return 0


def verify(arguments) -> int:
    status = 0
    for name in arguments.models or list(weights.ALL_MODELS):
        try:
            spec = weights.installable(name)
            folder = weights.verify(spec, Path(arguments.weights))
            print(f"{spec.described}: every file matches its published sha256 ({folder})")
        except weights.WeightsError as error:
            print(f"cinema-models: {error}", file=sys.stderr)
            status = EXIT_BAD_WEIGHTS
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cinema-models", description="Cinema Chat's model service.")
    parser.add_argument("--weights", default=str(weights.default_folder()), help="the weights folder")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="serve OpenAI's transcription endpoint on loopback")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8790, help="0 picks a free port (printed on start)")
    run.add_argument("--model", default="base", choices=sorted(weights.SPEECH_MODELS))
    run.add_argument("--threads", type=int, default=0, help="CPU threads per decoder; 0 = one per core")
    run.add_argument("--decoders", type=int, default=1, help="utterances decoded at once")
    run.add_argument("--beam-size", type=int, default=5)
    run.add_argument(
        "--no-embeddings", action="store_true", help="leave out the embedding model (and POST /v1/embeddings)"
    )
    run.add_argument("--allow-remote", action="store_true", help=argparse.SUPPRESS)
    run.add_argument("--parent-watch", action="store_true", help="exit when the process that started it dies")
    run.add_argument("--log-level", default="info")
    run.set_defaults(handler=serve)

    for name, handler, text in (("install", install, "assemble and check the weights"), ("verify", verify, "check the weights")):
        command = commands.add_parser(name, help=text)
        command.add_argument("models", nargs="*", help=f"{', '.join(weights.ALL_MODELS)} (default: all)")
        command.set_defaults(handler=handler)

    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(arguments, "log_level", "info").upper(),
        format="%(asctime)s cinema-models %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
