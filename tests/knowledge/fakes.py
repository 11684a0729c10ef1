"""Test doubles for the knowledge tests: a deterministic embedder and a fake OpenAI embeddings API."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import math
import struct
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from knowledge.bm25 import tokenize


def hashed_vector(text: str, dims: int = 64) -> list[float]:
    """A bag-of-words vector: each BM25 token adds 1 to a hashed dimension; normalised."""
    vector = [0.0] * dims
    for token in tokenize(text) or ["<empty>"]:
        slot = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big") % dims
        vector[slot] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


class HashEmbedder:
    """A fast, deterministic embedder that records every text it embeds."""

    def __init__(self, name: str = "test:hash") -> None:
        self.id = name
        self.documents: list[str] = []
        self.queries: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.documents.extend(texts)
        return [hashed_vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return hashed_vector(text)


@dataclass
class FakeOpenAI:
    """What the fake embeddings API received, and a switch to make it fail."""

    base_url: str
    requests: list[dict[str, object]] = field(default_factory=list)
    fail_with: int | None = None


@contextmanager
def fake_openai_server() -> Iterator[FakeOpenAI]:
    """A loopback HTTP server speaking the OpenAI ``POST /v1/embeddings`` API."""
    state = FakeOpenAI(base_url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            state.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
            if state.fail_with is not None:
                self._send(
                    state.fail_with, {"error": {"message": "model overloaded", "type": "server_error"}}
                )
                return
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = []
            for index, text in enumerate(inputs):
                vector = hashed_vector(str(text))
                encoded: object = vector
                if body.get("encoding_format") == "base64":
                    encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                data.append({"object": "embedding", "index": index, "embedding": encoded})
            usage = {"prompt_tokens": 1, "total_tokens": 1}
            self._send(200, {"object": "list", "data": data, "model": body["model"], "usage": usage})

        def _send(self, status: int, payload: dict[str, object]) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
