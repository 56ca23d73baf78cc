"""Readers for the public datasets in their published formats.

Each loader takes the dataset folder (e.g. ``../shared/datasets/goemotions``), names the
file and line of any malformed row, and says where to get the data when it is missing.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resonant.affect import VAD
from resonant.errors import ResonantError

SOURCES = {
    "goemotions": "https://github.com/google-research/google-research/tree/master/goemotions "
    "(data/train.tsv, dev.tsv, emotions.txt)",
    "emobank": "https://github.com/JULIELab/EmoBank (corpus/emobank.csv)",
    "reccon": "https://github.com/declare-lab/RECCON (data/original_annotation/*.json)",
    "sdcnl": "https://github.com/ayaanzhaque/SDCNL (data/training-set.csv)",
}
# DailyDialog's labels onto Ekman's (RECCON keeps DailyDialog's "happiness" and a few
# spelling variants).
DAILYDIALOG_TO_EKMAN = {
    "happiness": "joy", "happy": "joy", "excited": "joy", "sad": "sadness",
    "surprised": "surprise", "angry": "anger", "fear": "fear", "disgust": "disgust",
    "anger": "anger", "sadness": "sadness", "surprise": "surprise", "neutral": "neutral",
}  # fmt: skip
# GoEmotions labels of ordinary negative feeling: the texts crisis detection must not flag.
NEGATIVE_GOEMOTIONS = frozenset(
    {
        "sadness", "grief", "disappointment", "remorse", "fear", "nervousness", "anger",
        "annoyance", "disgust", "embarrassment",
    }
)  # fmt: skip


class DatasetError(ResonantError, ValueError):
    """A dataset file is missing or malformed; the message names the file and line."""


def resolve_data(spec: str | Path) -> Path:
    """A local dataset folder, or ``hf:OWNER/NAME`` fetched from the Hugging Face hub.

    The hub copy must hold the published files (e.g. a mirror of the original TSVs);
    it lands in the hub cache and is read by the same loaders as a local folder.
    """
    text = str(spec)
    if not text.startswith("hf:"):
        return Path(text)
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise DatasetError("hf: datasets need: pip install huggingface_hub") from exc
    try:
        return Path(snapshot_download(repo_id=text[3:], repo_type="dataset"))
    except Exception as exc:  # the hub raises many types; all mean "not available"
        raise DatasetError(f"cannot fetch {text[3:]!r} from the Hugging Face hub: {exc}") from exc


def _require(path: Path, dataset: str) -> Path:
    if not path.exists():
        raise DatasetError(f"{path} not found; get {dataset} from {SOURCES[dataset]}")
    return path


@dataclass(frozen=True, slots=True)
class LabelledText:
    id: str
    text: str
    labels: tuple[str, ...]


def load_goemotions(
    folder: str | Path, split: str = "dev", view: str = "original"
) -> tuple[list[LabelledText], list[str]]:
    """GoEmotions as (examples, label names); `view` is "original" (28) or "ekman" (7)."""
    root = Path(folder)
    base = root / view if (root / view).is_dir() else root
    names_file = _require(base / "labels.txt", "goemotions")
    names = [line.strip() for line in names_file.read_text(encoding="utf-8").splitlines()]
    names = [n for n in names if n]
    data_file = _require(base / f"{split}.tsv", "goemotions")
    examples = []
    with data_file.open(encoding="utf-8", newline="") as handle:
        for line_no, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").split("\t")
            try:
                text, ids, comment_id = parts
                labels = tuple(names[int(i)] for i in ids.split(","))
            except (ValueError, IndexError) as exc:
                raise DatasetError(
                    f"{data_file}:{line_no}: expected 'text<TAB>label ids<TAB>id' with ids "
                    f"below {len(names)}, got {line[:80]!r}"
                ) from exc
            examples.append(LabelledText(comment_id, text, labels))
    return examples, names


@dataclass(frozen=True, slots=True)
class VADText:
    id: str
    text: str
    vad: VAD


def load_emobank(folder: str | Path, split: str = "dev") -> list[VADText]:
    """EmoBank rows of one split, VAD mapped from 1-5 onto [-1, 1]."""
    root = Path(folder)
    candidates = [root] if root.is_file() else sorted(root.glob("*.csv"))
    if not candidates:
        raise DatasetError(f"no EmoBank CSV in {root}; get it from {SOURCES['emobank']}")
    data_file = candidates[0]
    rows = []
    with data_file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"id", "split", "V", "A", "D", "text"} - set(reader.fieldnames or [])
        if missing:
            raise DatasetError(f"{data_file}:1: missing columns {sorted(missing)}")
        for row in reader:
            if row["split"] != split:
                continue
            try:
                vad = VAD.from_five_point(float(row["V"]), float(row["A"]), float(row["D"]))
            except (TypeError, ValueError) as exc:
                raise DatasetError(
                    f"{data_file}:{reader.line_num}: V/A/D must be numbers, got "
                    f"{row['V']!r}, {row['A']!r}, {row['D']!r}"
                ) from exc
            rows.append(VADText(row["id"], row["text"] or "", vad))
    return rows


@dataclass(frozen=True, slots=True)
class DialogueTurn:
    turn: int
    speaker: str
    text: str
    emotion: str
    cause_turns: tuple[int, ...]
    cause_spans: tuple[str, ...]


def _reccon_turn(raw: dict[str, Any]) -> DialogueTurn:
    evidence = list(raw.get("expanded emotion cause evidence", []))
    spans = list(raw.get("expanded emotion cause span", []))
    # Evidence and spans are parallel lists; "b" marks a cause outside the dialogue
    # (no span in it), so both are filtered together to keep them aligned.
    if len(spans) != len(evidence):
        spans = [None] * len(evidence)
    pairs = [(int(e), s) for e, s in zip(evidence, spans, strict=True) if str(e).isdigit()]
    return DialogueTurn(
        turn=int(raw["turn"]),
        speaker=str(raw["speaker"]),
        text=str(raw["utterance"]),
        emotion=str(raw["emotion"]),
        cause_turns=tuple(turn for turn, _ in pairs),
        cause_spans=tuple(str(span) if span else "" for _, span in pairs),
    )


def load_reccon(folder: str | Path, split: str = "valid") -> dict[str, list[DialogueTurn]]:
    """RECCON's DailyDialog annotations: dialogue id -> turns with their cause annotations."""
    root = Path(folder)
    data_file = _require(root if root.is_file() else root / f"dailydialog_{split}.json", "reccon")
    try:
        raw = json.loads(data_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{data_file}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    dialogues: dict[str, list[DialogueTurn]] = {}
    for dialogue_id, wrapped in raw.items():
        turns = wrapped[0] if wrapped and isinstance(wrapped[0], list) else wrapped
        try:
            dialogues[dialogue_id] = [_reccon_turn(t) for t in turns]
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(
                f"{data_file}: dialogue {dialogue_id!r} is malformed: {exc}"
            ) from exc
    return dialogues


@dataclass(frozen=True, slots=True)
class SafetyCase:
    text: str
    crisis: bool
    category: str | None


def load_safety_cases(path: str | Path) -> list[SafetyCase]:
    """The hand-written crisis-cue set: JSON lines of {"text", "crisis", "category"}."""
    root = Path(path)
    data_file = root / "safety.jsonl" if root.is_dir() else root
    if not data_file.exists():
        raise DatasetError(
            f"{data_file} not found; the set ships in the repository at evals/suites/safety.jsonl"
        )
    cases = []
    for line_no, line in enumerate(data_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cases.append(SafetyCase(str(row["text"]), bool(row["crisis"]), row.get("category")))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DatasetError(
                f'{data_file}:{line_no}: expected {{"text", "crisis", "category"}}: {exc}'
            ) from exc
    return cases


def load_sdcnl(folder: str | Path) -> list[tuple[str, bool]]:
    """SDCNL posts as (title + post, is from r/SuicideWatch); r/depression posts are False."""
    root = Path(folder)
    data_file = _require(root if root.is_file() else root / "training-set.csv", "sdcnl")
    with data_file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"title", "selftext", "is_suicide"} - set(reader.fieldnames or [])
        if missing:
            raise DatasetError(f"{data_file}:1: missing columns {sorted(missing)}")
        return [
            (f"{row['title'].strip()}. {row['selftext'].strip()}".strip(), row["is_suicide"] == "1")
            for row in reader
        ]
