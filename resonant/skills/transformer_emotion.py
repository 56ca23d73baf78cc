"""Emotion detection with any Hugging Face text-classification model.

Give it a hub id (where a hub is reachable) or a local folder saved with
`save_pretrained`. Labels come from the model's `id2label`; multi-label models (GoEmotions
style, `problem_type="multi_label_classification"`) get sigmoid scores, others softmax.
The model loads on first use, so constructing the skill is free.
"""

from __future__ import annotations

import threading
from typing import Any

from resonant.errors import MissingExtraError
from resonant.skills.base import Detection, SkillInput

_MAX_TOKENS = 256


class TransformerEmotionSkill:
    """Wraps a sequence-classification model as an emotion skill."""

    kind = "emotion"

    def __init__(self, model: str, *, name: str = "transformer-emotion", device: str = "cpu"):
        self.name = name
        self.model_id = model
        self.device = device
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._loaded is None:
                try:
                    from transformers import (
                        AutoModelForSequenceClassification,
                        AutoTokenizer,
                    )
                except ImportError as exc:
                    raise MissingExtraError("TransformerEmotionSkill", "transformers") from exc
                tokenizer = AutoTokenizer.from_pretrained(self.model_id)
                model = AutoModelForSequenceClassification.from_pretrained(self.model_id)
                model.to(self.device).eval()
                self._loaded = (tokenizer, model)
            return self._loaded

    def detect(self, turn: SkillInput) -> Detection:
        import torch

        tokenizer, model = self._load()
        inputs = tokenizer(
            turn.text, truncation=True, max_length=_MAX_TOKENS, return_tensors="pt"
        ).to(self.device)
        with torch.inference_mode():
            logits = model(**inputs).logits[0]
        multi_label = model.config.problem_type == "multi_label_classification"
        probs = torch.sigmoid(logits) if multi_label else torch.softmax(logits, dim=-1)
        labels = model.config.id2label
        scores = {str(labels[i]).lower(): float(p) for i, p in enumerate(probs.tolist())}
        label = max(scores, key=scores.__getitem__)
        return Detection(
            skill=self.name, kind="emotion", label=label, score=scores[label], scores=scores
        )
