"""`check_skill`: the contract of a detector skill (`resonant.skills.base.Skill`)."""

from __future__ import annotations

import json
import math
from functools import partial
from typing import get_args

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.contracts.report import EMOJI, EMPTY, LONG, NON_ENGLISH, Findings, in_threads
from resonant.skills.base import Detection, DetectionKind, Skill, SkillInput, Utterance

_HISTORY = (
    Utterance("user", "My sister moved to another country last month."),
    Utterance("assistant", "That's a big change. How are you finding it?"),
)


def _sample_inputs() -> list[SkillInput]:
    spoken = Audio(  # one second of a quiet 200 Hz hum: voice mode's audio field filled
        (0.1 * np.sin(2 * np.pi * 200 * np.arange(SPEECH_RATE) / SPEECH_RATE)).astype(np.float32),
        SPEECH_RATE,
    )
    return [
        SkillInput("I just found out my dad has cancer and I can't stop crying."),
        SkillInput("I miss her so much.", history=_HISTORY),
        SkillInput("I got the job!!! I start on Monday."),
        SkillInput("I don't want to be alive anymore."),
        SkillInput("Okay."),
        SkillInput(EMPTY),
        SkillInput("   \n\t "),
        SkillInput(EMOJI),
        *(SkillInput(text) for text in NON_ENGLISH),
        SkillInput(LONG),
        SkillInput("I'm so tired today.", audio=spoken.pcm16(), sample_rate=spoken.sample_rate),
    ]


def _text_at(turn: SkillInput, offset: int) -> str | None:
    if offset == 0:
        return turn.text
    if -len(turn.history) <= offset < 0:
        return turn.history[offset].text
    return None


def _check_detection(found: Findings, skill: Skill, turn: SkillInput, got: object) -> None:
    where = f"detect({turn.text[:30]!r})"
    if not found.expect(
        isinstance(got, Detection), f"{where} returned {type(got).__name__}, not Detection"
    ):
        return
    assert isinstance(got, Detection)
    found.expect(
        got.skill == skill.name,
        f"{where}: Detection.skill {got.skill!r} is not the skill's name {skill.name!r}",
    )
    found.expect(got.kind == skill.kind, f"{where}: kind {got.kind!r}, declared {skill.kind!r}")
    found.expect(0.0 <= got.score <= 1.0, f"{where}: score {got.score} is outside [0, 1]")
    found.expect(
        all(isinstance(v, float | int) and math.isfinite(v) for v in got.scores.values()),
        f"{where}: scores hold a value that is not a finite number",
    )
    if got.kind == "emotion":
        found.expect(bool(got.label), f"{where}: an emotion detection without a label")
    if got.kind == "vad":
        vad = got.vad
        found.expect(
            vad is not None and all(-1.0 <= x <= 1.0 for x in (vad.v, vad.a, vad.d)),
            f"{where}: a VAD detection needs vad on [-1, 1], got {vad}",
        )
    if got.kind == "cause" and got.span is not None:
        source = _text_at(turn, got.span.turn_offset)
        found.expect(
            source is not None and source[got.span.start : got.span.end] == got.span.text,
            f"{where}: span {got.span} is not the text at its offsets",
        )
    if got.kind == "safety":
        found.expect(
            not got.flagged or bool(got.category),
            f"{where}: a flagged safety detection needs a category",
        )
    data = got.to_dict()
    found.expect(
        json.loads(json.dumps(data)) == data,
        f"{where}: to_dict() does not survive a JSON round trip (checkpoints store it)",
    )


def check_skill(skill: Skill) -> None:
    """Check that `skill` keeps the `Skill` contract; raise `ContractViolation` if not.

    The rules: a non-empty `name` and a `kind` among emotion/vad/cause/safety; `detect`
    returns a well-formed `Detection` of that kind (or None) for any text (empty, blank,
    emoji, Spanish, Chinese, 20k characters, with history or audio) and never raises;
    scores and VAD in range, cause spans that match their text, flagged safety with a
    category; the same answer twice, the same answer from four threads at once; and
    `to_dict()` that survives JSON.
    """
    found = Findings(f"skill {getattr(skill, 'name', type(skill).__name__)!r}")
    found.expect(
        isinstance(skill, Skill), "does not satisfy the Skill protocol (name, kind, detect)"
    )
    found.expect(
        isinstance(getattr(skill, "name", None), str) and bool(skill.name),
        "name must be a non-empty string",
    )
    found.expect(
        getattr(skill, "kind", None) in get_args(DetectionKind),
        f"kind must be one of {get_args(DetectionKind)}",
    )
    if found.problems:
        found.raise_if_any()
    inputs = _sample_inputs()
    first = [found.attempt(f"detect({t.text[:30]!r})", partial(skill.detect, t)) for t in inputs]
    for turn, got in zip(inputs, first, strict=True):
        if got is not None:
            _check_detection(found, skill, turn, got)
    again = [found.attempt("detect (again)", partial(skill.detect, t)) for t in inputs]
    dumped = [d.to_dict() if isinstance(d, Detection) else d for d in first]
    found.expect(
        dumped == [d.to_dict() if isinstance(d, Detection) else d for d in again],
        "two calls with the same turn gave different detections (not deterministic)",
    )
    threaded = found.attempt(
        "detect from several threads", lambda: in_threads(skill.detect, inputs * 2)
    )
    if threaded is not None:
        found.expect(
            [d.to_dict() if isinstance(d, Detection) else d for d in threaded] == dumped * 2,
            "detections from concurrent threads differ from one thread's (not thread-safe)",
        )
    found.raise_if_any()
