"""Finding skills: the built-ins by name, plus third-party plugins from entry points.

Third-party packages register a zero-argument factory under the entry-point group
``resonant.skills``. Each plugin loads in its own try/except: one broken install is
logged and skipped instead of taking the agent down with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

from resonant.errors import BackendConfigError
from resonant.skills.base import Skill, SkillInput
from resonant.skills.encoder_skills import (
    EncoderCauseSkill,
    EncoderCrisisSkill,
    EncoderEmotionSkill,
    EncoderVADSkill,
)
from resonant.skills.exemplar_safety import ExemplarSafetySkill
from resonant.skills.lexicon_emotion import LexiconEmotionSkill
from resonant.skills.lexicon_vad import LexiconVADSkill
from resonant.skills.linear_emotion import LinearEmotionSkill
from resonant.skills.pair_cause import PairCauseSkill
from resonant.skills.safety import KeywordSafetySkill
from resonant.skills.span_cause import SpanCauseSkill
from resonant.skills.speech_prosody import SpeechProsodySkill
from resonant.skills.vad_regressor import RidgeVADSkill

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "resonant.skills"

BUILTIN_SKILLS: dict[str, Callable[[], Skill]] = {
    EncoderEmotionSkill.name: EncoderEmotionSkill,
    EncoderVADSkill.name: EncoderVADSkill,
    EncoderCauseSkill.name: EncoderCauseSkill,
    EncoderCrisisSkill.name: EncoderCrisisSkill,
    LinearEmotionSkill.name: LinearEmotionSkill,
    RidgeVADSkill.name: RidgeVADSkill,
    PairCauseSkill.name: PairCauseSkill,
    SpanCauseSkill.name: SpanCauseSkill,
    KeywordSafetySkill.name: KeywordSafetySkill,
    ExemplarSafetySkill.name: ExemplarSafetySkill,
    LexiconEmotionSkill.name: LexiconEmotionSkill,
    LexiconVADSkill.name: LexiconVADSkill,
    SpeechProsodySkill.name: SpeechProsodySkill,
}
# One fine-tuned encoder reads emotion, VAD, cause and crisis risk (one forward pass for
# all four); the keyword rules add crisis cues in other languages and name the category.
# The older linear, lexicon and exemplar skills stay available by name: on dev data they
# read conversation worse than the encoder and averaging them in lowered the fused
# scores (evals/REPORT.md).
DEFAULT_SKILLS: tuple[str, ...] = (
    EncoderEmotionSkill.name,
    EncoderVADSkill.name,
    EncoderCauseSkill.name,
    KeywordSafetySkill.name,
    EncoderCrisisSkill.name,
    # Silent on typed turns; on spoken ones it adds the voice's arousal to the user's VAD.
    SpeechProsodySkill.name,
)


def plugin_skills() -> dict[str, Skill]:
    """Instantiate every skill registered under the entry-point group, skipping broken ones."""
    found: dict[str, Skill] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            skill = entry_point.load()()
            if not isinstance(skill, Skill):
                raise TypeError(f"{type(skill).__name__} does not satisfy the Skill protocol")
        except Exception:
            log.exception("skipping skill plugin %r: it failed to load", entry_point.name)
            continue
        found[entry_point.name] = skill
    return found


def load_skills(names: Sequence[str] | None = None) -> list[Skill]:
    """The skills to run on every turn.

    Args:
        names: built-in or plugin skill names to enable; None means DEFAULT_SKILLS plus
            every installed plugin.

    Raises:
        BackendConfigError: a requested name is neither built in nor an installed plugin.
    """
    plugins = plugin_skills()
    if names is None:
        return [BUILTIN_SKILLS[name]() for name in DEFAULT_SKILLS] + list(plugins.values())
    skills: list[Skill] = []
    for name in names:
        if name in BUILTIN_SKILLS:
            skills.append(BUILTIN_SKILLS[name]())
        elif name in plugins:
            skills.append(plugins[name])
        else:
            known = sorted({*BUILTIN_SKILLS, *plugins})
            raise BackendConfigError(f"unknown skill {name!r}; available: {', '.join(known)}")
    return skills


def run_skills(skills: Sequence[Skill], turn: SkillInput) -> list[dict[str, Any]]:
    """Every skill's detection on one turn, as plain data (the form kept in graph state).

    A skill that raises is logged and skipped: one faulty detector must not cost the user
    their reply, nor a batch its other lines.
    """
    detections = []
    for skill in skills:
        try:
            found = skill.detect(turn)
        except Exception:
            log.exception("skill %r failed on this turn; continuing without it", skill.name)
            continue
        if found is not None:
            detections.append(found.to_dict())
    return detections
