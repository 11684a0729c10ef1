"""The packaged local model loads from site-packages without touching the network."""

from __future__ import annotations

import math
import os
import socket

import pytest

from knowledge.embeddings import LOCAL_MODEL_ID, LocalEmbedder


def test_the_local_model_loads_and_embeds_with_the_network_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the local embedding model tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    embedder = LocalEmbedder()
    assert embedder.id == LOCAL_MODEL_ID
    (vector,) = embedder.embed_documents(["Multi-thread the deal before the proposal."])
    assert len(vector) == 384 and math.isclose(math.fsum(x * x for x in vector), 1.0, rel_tol=1e-4)
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert embedder.embed_documents([]) == []


def test_queries_run_on_one_thread_and_leave_the_setting_alone(local_embedder: LocalEmbedder) -> None:
    import torch

    before = torch.get_num_threads()
    query = local_embedder.embed_query("who approves discounts")
    (document,) = local_embedder.embed_documents(["who approves discounts"])
    assert torch.get_num_threads() == before
    assert math.fsum(a * b for a, b in zip(query, document, strict=True)) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("traced", [True, False], ids=["traced", "eager"])
def test_a_query_s_vector_is_the_batch_encoder_s(
    local_embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch, traced: bool
) -> None:
    """The single-text encoder gives ``encode``'s vectors (an index built by ``encode`` stays
    valid), traced or eager, for a word, a question, and a text past the model's 256 tokens."""
    from knowledge.query_encoder import QueryEncoder

    if not traced:
        monkeypatch.setattr(QueryEncoder, "_trace", lambda self: None)
    encoder = QueryEncoder(local_embedder.model)
    assert (encoder._forward is not encoder._pooled) is traced
    texts = ["discounts", "How do I rescue a deal that went quiet after the demo?", "renewal risk " * 200]
    expected = local_embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    for text, vector in zip(texts, expected, strict=True):
        assert encoder(text) == pytest.approx([float(x) for x in vector], abs=1e-5)
