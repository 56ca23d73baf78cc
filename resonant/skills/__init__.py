"""Detector skills: small plugins that read affect and risk from each user turn.

Every plugin is a *skill* (the `Skill` protocol; classes are named method + what it reads
+ `Skill`). The names these classes had before 0.2 (`...Detector`, `...Classifier`,
`...Regressor`, `...Extractor`) still import from here, with a DeprecationWarning.
"""

import warnings
from typing import Any

from resonant.skills.affect_encoder import AffectEncoder, AffectReading
from resonant.skills.base import Detection, Skill, SkillInput, Span, Utterance
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
from resonant.skills.registry import DEFAULT_SKILLS, ENTRY_POINT_GROUP, load_skills
from resonant.skills.safety import KeywordSafetySkill
from resonant.skills.span_cause import SpanCauseSkill
from resonant.skills.speech_prosody import SpeechProsodySkill
from resonant.skills.transformer_emotion import TransformerEmotionSkill
from resonant.skills.vad_regressor import RidgeVADSkill

__all__ = [
    "DEFAULT_SKILLS",
    "ENTRY_POINT_GROUP",
    "AffectEncoder",
    "AffectReading",
    "Detection",
    "EncoderCauseSkill",
    "EncoderCrisisSkill",
    "EncoderEmotionSkill",
    "EncoderVADSkill",
    "ExemplarSafetySkill",
    "KeywordSafetySkill",
    "LexiconEmotionSkill",
    "LexiconVADSkill",
    "LinearEmotionSkill",
    "PairCauseSkill",
    "RidgeVADSkill",
    "Skill",
    "SkillInput",
    "Span",
    "SpanCauseSkill",
    "SpeechProsodySkill",
    "TransformerEmotionSkill",
    "Utterance",
    "load_skills",
]

# Old name -> new name; kept for code written against resonant 0.1.
_DEPRECATED_NAMES = {
    "EncoderCauseClassifier": "EncoderCauseSkill",
    "EncoderCrisisDetector": "EncoderCrisisSkill",
    "EncoderEmotionDetector": "EncoderEmotionSkill",
    "EncoderVADRegressor": "EncoderVADSkill",
    "ExemplarSafetyDetector": "ExemplarSafetySkill",
    "KeywordSafetyDetector": "KeywordSafetySkill",
    "LexiconEmotionDetector": "LexiconEmotionSkill",
    "LexiconVADDetector": "LexiconVADSkill",
    "LinearEmotionClassifier": "LinearEmotionSkill",
    "PairCauseClassifier": "PairCauseSkill",
    "RidgeVADRegressor": "RidgeVADSkill",
    "SpanCauseExtractor": "SpanCauseSkill",
    "SpeechProsodyDetector": "SpeechProsodySkill",
    "TransformerEmotionDetector": "TransformerEmotionSkill",
}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED_NAMES:
        new = _DEPRECATED_NAMES[name]
        warnings.warn(f"resonant.skills.{name} is now {new}", DeprecationWarning, stacklevel=2)
        return globals()[new]
    raise AttributeError(f"module 'resonant.skills' has no attribute {name!r}")
