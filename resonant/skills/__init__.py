"""Detector skills: small plugins that read affect and risk from each user turn."""

from resonant.skills.affect_encoder import AffectEncoder, AffectReading
from resonant.skills.base import Detection, Skill, SkillInput, Span, Utterance
from resonant.skills.encoder_skills import (
    EncoderCauseClassifier,
    EncoderCrisisDetector,
    EncoderEmotionDetector,
    EncoderVADRegressor,
)
from resonant.skills.exemplar_safety import ExemplarSafetyDetector
from resonant.skills.lexicon_emotion import LexiconEmotionDetector
from resonant.skills.lexicon_vad import LexiconVADDetector
from resonant.skills.linear_emotion import LinearEmotionClassifier
from resonant.skills.pair_cause import PairCauseClassifier
from resonant.skills.registry import DEFAULT_SKILLS, ENTRY_POINT_GROUP, load_skills
from resonant.skills.safety import KeywordSafetyDetector
from resonant.skills.span_cause import SpanCauseExtractor
from resonant.skills.transformer_emotion import TransformerEmotionDetector
from resonant.skills.vad_regressor import RidgeVADRegressor

__all__ = [
    "DEFAULT_SKILLS",
    "ENTRY_POINT_GROUP",
    "AffectEncoder",
    "AffectReading",
    "Detection",
    "EncoderCauseClassifier",
    "EncoderCrisisDetector",
    "EncoderEmotionDetector",
    "EncoderVADRegressor",
    "ExemplarSafetyDetector",
    "KeywordSafetyDetector",
    "LexiconEmotionDetector",
    "LexiconVADDetector",
    "LinearEmotionClassifier",
    "PairCauseClassifier",
    "RidgeVADRegressor",
    "Skill",
    "SkillInput",
    "Span",
    "SpanCauseExtractor",
    "TransformerEmotionDetector",
    "Utterance",
    "load_skills",
]
