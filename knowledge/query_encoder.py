"""One query at a time through the local MiniLM model, without the batching machinery.

``SentenceTransformer.encode`` is built for batches: it sorts, pads, collates and copies, which
costs a short question about as much as the model's own arithmetic. A query is one text, so this
encoder tokenizes it with the model's fast (Rust) tokenizer, runs BERT under inference mode on
one thread, and mean-pools and normalises the tokens, exactly as the model's pooling
configuration does (``1_Pooling``: mean over the attention mask, then ``Normalize``). The forward
pass is traced into a TorchScript graph frozen for inference when the graph reproduces the eager
model on texts of other lengths; otherwise (a transformers version that does not trace) the eager
model runs. Either way the vector equals ``encode``'s to float precision (checked in
``tests/knowledge/test_embeddings.py``), so an index built with ``encode`` stays valid.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

log = logging.getLogger("salesplan.knowledge")

#: Texts the traced graph must reproduce (other lengths than the one it was traced on).
_PROBES = ("stalled deal", "how much pipeline coverage does a rep need to hit quota next quarter?")
_TRACED_ON = "what should I do about a deal that has gone quiet"
#: How close the traced graph's vectors must be to the eager model's.
_TOLERANCE = 1e-5


class QueryEncoder:
    """The vector of one text, as ``model.encode([text], normalize_embeddings=True)`` gives it."""

    def __init__(self, model: SentenceTransformer) -> None:
        import torch

        self._torch = torch
        from tokenizers import Tokenizer

        transformer: Any = model[0]
        # a copy of the model's Rust tokenizer, so no padding or truncation state set by a batch
        # of documents applies to it
        self._tokenizer = Tokenizer.from_str(transformer.tokenizer.backend_tokenizer.to_str())
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._max_length = int(transformer.max_seq_length)
        self._pooled = _pooled_module(transformer.auto_model.eval())
        self._forward: Any = self._pooled
        with torch.inference_mode():
            traced = self._trace()
        if traced is not None:
            self._forward = traced

    def _tensors(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        encoding = self._tokenizer.encode(text)
        ids = encoding.ids[: self._max_length]
        if len(encoding.ids) > self._max_length:  # truncated, keeping the closing [SEP]
            ids[-1] = encoding.ids[-1]
        return self._torch.tensor([ids]), self._torch.ones((1, len(ids)), dtype=self._torch.long)

    def _trace(self) -> Any:
        torch = self._torch
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # TracerWarning: shape checks taken as constants
                traced = torch.jit.trace(self._pooled, self._tensors(_TRACED_ON), check_trace=False)
                frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
            for probe in _PROBES:
                tensors = self._tensors(probe)
                if not torch.allclose(frozen(*tensors), self._pooled(*tensors), atol=_TOLERANCE):
                    log.info("the traced query encoder differs from the model; using the model")
                    return None
        except (RuntimeError, TypeError, ValueError) as exc:  # a model that does not trace
            log.info("the query encoder could not be traced (%s); using the model", exc)
            return None
        return frozen

    def __call__(self, text: str) -> list[float]:
        torch = self._torch
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # a short text gains nothing from a second (busy) core
        try:
            with torch.inference_mode():
                vector = self._forward(*self._tensors(text))
        finally:
            torch.set_num_threads(threads)
        return [float(x) for x in vector[0].tolist()]


def _pooled_module(model: Any) -> Any:
    """``model`` wrapped to return pooled, normalised vectors (the class needs torch imported)."""
    import torch

    class Pooled(torch.nn.Module):
        """BERT, then the mean of the token vectors under the attention mask, normalised."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            tokens = self.model(
                input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
            ).last_hidden_state
            weights = mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    return Pooled().eval()
