"""The learned win score: point-in-time deal states, features, the model, its backtest and storage."""

from tools.scoring.store import current_fingerprint, fingerprint, refresh

__all__ = ["current_fingerprint", "fingerprint", "refresh"]
