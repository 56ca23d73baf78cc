"""An independent empathy judge trained on EPITOME (Sharma et al., EMNLP 2020).

EPITOME rates 3,084 Reddit responses to help-seeking posts 0-2 on three communication
mechanisms: emotional reactions (ER: expressing warmth, compassion), interpretations (IP:
showing understanding of the seeker's feelings and experience) and explorations (EX:
asking about what the seeker has not said). Its license is academic, so nothing trained
on it ships in the package: `load_epitome_judge(data)` trains the judge from the user's
copy of the data into a cache folder (keyed by the files' hash) at eval time.

The judge, per mechanism: logistic regression over the response's MiniLM embedding, its
product with the seeker post's (how the response relates to the post), and the
response's word and word-pair TF-IDF. Seeker posts are split 80/20 by a hash of their id
(every response to one post on one side); the held-out 20% gives the judge's own
accuracy and macro-F1, printed beside the majority class and the paper's RoBERTa model.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from resonant.embedding import shared_embedder
from resonant_tools.data.loaders import DatasetError

log = logging.getLogger(__name__)

MECHANISMS = {
    "ER": "emotional-reactions-reddit.csv",
    "IP": "interpretations-reddit.csv",
    "EX": "explorations-reddit.csv",
}
HELD_OUT_SHARE = 0.2
# The paper's RoBERTa bi-encoder (Sharma et al. 2020, identification task), as we recall
# its table; not checked against the paper from this offline machine.
PAPER = {"ER": (0.7943, 0.7446), "IP": (0.8404, 0.6260), "EX": (0.9261, 0.7258)}


def default_cache() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "resonant" / "epitome"


@dataclass(frozen=True)
class Pair:
    seeker_id: str
    seeker: str
    response: str
    levels: dict[str, int]


def load_epitome(data: Path) -> list[Pair]:
    """The pairs rated on all three mechanisms.

    Raises:
        DatasetError: a file is missing, or a row lacks a field or has a level not 0-2.
    """
    ratings: dict[tuple[str, str], dict[str, Any]] = {}
    for mechanism, name in MECHANISMS.items():
        path = data / name
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                for number, row in enumerate(csv.DictReader(handle), start=2):
                    try:
                        key = (row["sp_id"], row["rp_id"])
                        level = int(row["level"])
                        if level not in (0, 1, 2):
                            raise ValueError(f"level {level}")
                        entry = ratings.setdefault(
                            key,
                            {"seeker": row["seeker_post"], "response": row["response_post"]},
                        )
                        entry[mechanism] = level
                    except (KeyError, ValueError, TypeError) as exc:
                        raise DatasetError(f"{path}:{number}: bad row ({exc})") from exc
        except OSError as exc:
            raise DatasetError(f"{path}: {exc} (EPITOME's three *-reddit.csv files)") from exc
    return [
        Pair(key[0], entry["seeker"], entry["response"], {m: entry[m] for m in MECHANISMS})
        for key, entry in ratings.items()
        if all(m in entry for m in MECHANISMS)
    ]


def held_out(seeker_id: str) -> bool:
    digest = hashlib.sha256(seeker_id.encode("utf-8")).digest()
    return digest[0] / 256 < HELD_OUT_SHARE


class EpitomeJudge:
    """Scores a reply 0-2 (expected level) on each EPITOME mechanism."""

    def __init__(self, vectorizer: TfidfVectorizer, models: dict[str, LogisticRegression]):
        self.vectorizer = vectorizer
        self.models = models

    def _features(self, seekers: Sequence[str], responses: Sequence[str]) -> Any:
        embedder = shared_embedder()
        said = embedder.embed(list(responses))
        asked = embedder.embed(list(seekers))
        dense = np.hstack([said, said * asked])
        return sparse.hstack([sparse.csr_matrix(dense), self.vectorizer.transform(responses)])

    def levels(self, seekers: Sequence[str], responses: Sequence[str]) -> list[dict[str, float]]:
        """Each reply's expected level (0-2) per mechanism."""
        features = self._features(seekers, responses)
        expected = {
            mechanism: model.predict_proba(features) @ model.classes_.astype(float)
            for mechanism, model in self.models.items()
        }
        return [
            {mechanism: float(values[i]) for mechanism, values in expected.items()}
            for i in range(len(responses))
        ]

    def score(self, seeker: str, reply: str) -> dict[str, float]:
        return self.levels([seeker], [reply])[0]


def _fit(pairs: Sequence[Pair]) -> EpitomeJudge:
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=30_000
    )
    vectorizer.fit([p.response for p in pairs])
    judge = EpitomeJudge(vectorizer, {})
    features = judge._features([p.seeker for p in pairs], [p.response for p in pairs])
    for mechanism in MECHANISMS:
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000, random_state=0)
        model.fit(features, [p.levels[mechanism] for p in pairs])
        judge.models[mechanism] = model
    return judge


def _data_hash(data: Path) -> str:
    digest = hashlib.sha256()
    for name in MECHANISMS.values():
        digest.update((data / name).read_bytes())
    return digest.hexdigest()[:16]


def load_epitome_judge(
    data: Path, cache: Path | None = None
) -> tuple[EpitomeJudge, dict[str, Any]]:
    """The judge trained on the non-held-out posts of `data` (from the cache when this
    data was seen before) and its report on the held-out posts.

    The cache holds a pickle this function wrote itself; it is only read back from a
    folder of the user's own (never from the package or a download)."""
    pairs = load_epitome(data)
    folder = (cache or default_cache()) / _data_hash(data)
    model_file, report_file = folder / "judge.pkl", folder / "report.json"
    if model_file.exists() and report_file.exists():
        with model_file.open("rb") as handle:
            judge = pickle.load(handle)  # written by this function, in the user's cache
        return judge, json.loads(report_file.read_text())
    log.info("training the EPITOME judge on %d pairs (cached in %s)", len(pairs), folder)
    train = [p for p in pairs if not held_out(p.seeker_id)]
    test = [p for p in pairs if held_out(p.seeker_id)]
    judge = _fit(train)
    features = judge._features([p.seeker for p in test], [p.response for p in test])
    report: dict[str, Any] = {"train": len(train), "held_out": len(test), "mechanisms": {}}
    for mechanism, model in judge.models.items():
        gold = [p.levels[mechanism] for p in test]
        predicted = model.predict(features).tolist()
        train_levels = [p.levels[mechanism] for p in train]
        majority = max(set(train_levels), key=train_levels.count)
        report["mechanisms"][mechanism] = {
            "accuracy": accuracy_score(gold, predicted),
            "macro_f1": f1_score(gold, predicted, average="macro"),
            "majority_accuracy": accuracy_score(gold, [majority] * len(gold)),
            "majority_macro_f1": f1_score(gold, [majority] * len(gold), average="macro"),
            "paper_accuracy": PAPER[mechanism][0],
            "paper_macro_f1": PAPER[mechanism][1],
        }
    folder.mkdir(parents=True, exist_ok=True)
    with model_file.open("wb") as handle:
        pickle.dump(judge, handle)
    report_file.write_text(json.dumps(report, indent=2))
    return judge, report


def epitome_report(report: dict[str, Any]) -> str:
    """The judge's own accuracy on the held-out posts, as a Markdown table."""
    lines = [
        f"EPITOME judge: trained on {report['train']} pairs, scored on {report['held_out']} "
        "held-out pairs (split by seeker post). Paper: RoBERTa bi-encoder, as recalled.\n",
        "| mechanism | accuracy | macro-F1 | majority class acc. / macro-F1 "
        "| paper acc. / macro-F1 |",
        "|---|---:|---:|---:|---:|",
    ]
    for mechanism, row in report["mechanisms"].items():
        lines.append(
            f"| {mechanism} | {row['accuracy']:.3f} | {row['macro_f1']:.3f} | "
            f"{row['majority_accuracy']:.3f} / {row['majority_macro_f1']:.3f} | "
            f"{row['paper_accuracy']:.3f} / {row['paper_macro_f1']:.3f} |"
        )
    return "\n".join(lines)
