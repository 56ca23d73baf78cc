"""Batch analysis: the agent's reading of many turns, JSON Lines in and out.

Each input line is ``{"id", "text", "speaker"?, "context"?: [{"speaker"?, "text"}, ...]}``
(context = earlier turns of the same dialogue, oldest first). Each output line holds the
GoEmotions labels, the Ekman reading, VAD, safety, the cause and the detected language,
produced by the agent's own skills and fusion functions, so a transcript is read exactly
as a live conversation would be. A line that cannot be analysed yields
``{"id", "error"}`` and the rest go on; output order is input order.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from resonant.skills.affect_encoder import AffectEncoder
from resonant.skills.base import Skill, SkillInput, Utterance
from resonant.skills.fusion import fine_labels, fuse_cause, fuse_emotion, fuse_safety, fuse_vad
from resonant.skills.pair_cause import MAX_DISTANCE
from resonant.skills.registry import run_skills
from resonant.text.language import detect_language

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 1 << 18
MAX_TEXT_CHARS = 20_000
MAX_CONTEXT_TURNS = 50
BATCH = 64


class LineError(ValueError):
    """One input line cannot be analysed; the message says why."""


@dataclass(frozen=True, slots=True)
class AnalysisItem:
    id: str
    turn: SkillInput


def _checked_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise LineError(f"{where} must be a string, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LineError(f"{where} holds a lone surrogate (not valid Unicode text)") from exc
    if len(value) > MAX_TEXT_CHARS:
        raise LineError(f"{where} is {len(value)} characters; the limit is {MAX_TEXT_CHARS}")
    return value


def parse_line(raw: bytes) -> AnalysisItem:
    """One input line as an item to analyse.

    Raises:
        LineError: the line is too long, not UTF-8, not a JSON object, or misses fields.
    """
    if len(raw) > MAX_LINE_BYTES:
        raise LineError(f"line is {len(raw)} bytes; the limit is {MAX_LINE_BYTES}")
    try:
        row = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise LineError(f"line is not valid UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise LineError(f"line is not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(row, dict):
        raise LineError(f"line must be a JSON object, got {type(row).__name__}")
    if "id" not in row:
        raise LineError('missing "id"')
    item_id = _checked_text(row["id"], '"id"')
    if "text" not in row:
        raise LineError('missing "text"')
    text = _checked_text(row["text"], '"text"')
    if not text.strip():
        raise LineError('"text" is empty')
    speaker = row.get("speaker")
    if speaker is not None:
        speaker = _checked_text(speaker, '"speaker"')
    context = row.get("context") or []
    if not isinstance(context, list):
        raise LineError(f'"context" must be a list of turns, got {type(context).__name__}')
    history = []
    for i, turn in enumerate(context[-MAX_CONTEXT_TURNS:]):
        if not isinstance(turn, dict) or "text" not in turn:
            raise LineError(f'context[{i}] must be an object with "text"')
        turn_text = _checked_text(turn["text"], f"context[{i}].text")
        turn_speaker = turn.get("speaker")
        # The line's own speaker is the "user" whose feelings are read; anyone else in
        # the transcript is another person (not an agent whose replies the user must be
        # reacting to). Without speakers, every turn is the user's.
        same = speaker is None or turn_speaker is None or turn_speaker == speaker
        history.append(Utterance("user" if same else "other", turn_text))
    return AnalysisItem(item_id, SkillInput(text, tuple(history)))


def _error_id(raw: bytes) -> str | None:
    try:
        found = json.loads(raw.decode("utf-8")).get("id")
        return found if isinstance(found, str) else None
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None


def analyse_turn(skills: Sequence[Skill], item: AnalysisItem) -> dict[str, Any]:
    """The agent's reading of one turn: its skills, then its fusion."""
    detections = run_skills(skills, item.turn)
    emotion = fuse_emotion(detections)
    history = [{"role": u.role, "content": u.text} for u in item.turn.history]
    cause = fuse_cause(detections, emotion, item.turn.text, history)
    safety = fuse_safety(detections)
    return {
        "id": item.id,
        "labels": fine_labels(detections),
        "ekman": {"label": emotion["label"], "scores": emotion["scores"]},
        "vad": fuse_vad(detections, emotion).as_dict(),
        "safety": {"flagged": safety["flagged"], "category": safety["category"]},
        "cause": ({"turns": [-cause["turn_offset"]], "span": cause["span"]} if cause else None),
        "language": detect_language(item.turn.text),
    }


def _prefetch(encoders: Sequence[AffectEncoder], items: Sequence[AnalysisItem]) -> None:
    """Read a whole batch through the encoder at once; the skills then hit its cache."""
    pairs: list[tuple[str, Sequence[str]]] = []
    for item in items:
        context = [u.text for u in item.turn.history]
        pairs.append((item.turn.text, context))
        # What the cause skill reads: the turn and its candidate causes, each alone.
        pairs += [(text, ()) for text in [item.turn.text, *context[-MAX_DISTANCE:]]]
    for encoder in encoders:
        encoder.read_many(list(dict.fromkeys((t, tuple(c)) for t, c in pairs)))


def analyse_lines(skills: Sequence[Skill], lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """One output object per input line, in order; blank lines are errors too."""
    encoders = list(
        {
            id(e): e for s in skills if isinstance(e := getattr(s, "encoder", None), AffectEncoder)
        }.values()
    )
    batch: list[tuple[bytes, AnalysisItem | LineError]] = []

    def flush() -> Iterator[dict[str, Any]]:
        items = [parsed for _, parsed in batch if isinstance(parsed, AnalysisItem)]
        try:
            _prefetch(encoders, items)
        except Exception:
            log.exception("batched read failed; reading this batch line by line")
        for raw, parsed in batch:
            if isinstance(parsed, LineError):
                yield {"id": _error_id(raw), "error": str(parsed)}
                continue
            try:
                yield analyse_turn(skills, parsed)
            except Exception as exc:  # one bad line must never stop the file
                log.exception("analysis failed on %r", parsed.id)
                yield {"id": parsed.id, "error": f"analysis failed: {exc}"}
        batch.clear()

    for raw in lines:
        line = raw.rstrip(b"\r\n")
        try:
            batch.append((line, parse_line(line)))
        except LineError as exc:
            batch.append((line, exc))
        if len(batch) >= BATCH:
            yield from flush()
    yield from flush()
