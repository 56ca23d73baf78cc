from resonant.skills.base import Detection, Span
from resonant.skills.fusion import (
    ekman_distribution,
    fine_labels,
    fuse_cause,
    fuse_emotion,
    fuse_safety,
    fuse_vad,
)


def emotion(scores, labels=(), skill="e"):
    return Detection(skill=skill, kind="emotion", scores=scores, labels=labels).to_dict()


def test_neutral_is_a_real_answer_not_a_remainder():
    reading = fuse_emotion([emotion({"neutral": 0.55, "joy": 0.3, "sadness": 0.15})])
    assert reading["label"] == "neutral"
    assert abs(sum(reading["scores"].values()) - 1.0) < 1e-6


def test_fine_labels_map_onto_their_ekman_group_and_sum():
    # Twelve GoEmotions labels map to joy: a bag of small joy scores must not outvote
    # one clear feeling just by being many (the "suicide note reads as joy" bug).
    many_small = {name: 0.02 for name in ("approval", "caring", "desire", "optimism", "love")}
    distribution = ekman_distribution({**many_small, "sadness": 0.9})
    assert max(distribution, key=distribution.__getitem__) == "sadness"


def test_detectors_are_averaged_as_distributions():
    # Two detectors that each lean to a different feeling agree on neutral more than on
    # either feeling.
    reading = fuse_emotion(
        [emotion({"anger": 0.6, "neutral": 0.4}), emotion({"sadness": 0.5, "neutral": 0.5})]
    )
    assert abs(reading["scores"]["anger"] - 0.3) < 1e-9
    assert reading["label"] == "neutral"
    assert fuse_emotion([]) == {"label": "neutral", "score": 0.0, "scores": {}}


def test_fine_labels_drop_neutral_when_a_feeling_is_present():
    found = [emotion({"joy": 1.0}, labels=("gratitude", "joy")), emotion({}, labels=("neutral",))]
    assert fine_labels(found) == ["gratitude", "joy"]
    assert fine_labels([]) == ["neutral"]


def test_vad_is_the_confidence_weighted_mean():
    from resonant.affect import VAD

    found = [
        Detection(skill="a", kind="vad", vad=VAD(0.6, 0.0, 0.0), score=0.8).to_dict(),
        Detection(skill="b", kind="vad", vad=VAD(-0.6, 0.0, 0.0), score=0.2).to_dict(),
    ]
    assert abs(fuse_vad(found, fuse_emotion([])).v - 0.36) < 1e-6


def test_the_first_flagging_safety_detector_names_the_category():
    found = [
        Detection(skill="a", kind="safety", flagged=False).to_dict(),
        Detection(skill="b", kind="safety", flagged=True, category="self_harm").to_dict(),
    ]
    assert fuse_safety(found)["category"] == "self_harm"


def test_a_neutral_turn_has_no_cause():
    cause = Detection(skill="c", kind="cause", span=Span("it", 0, 0, 2), score=0.9).to_dict()
    neutral = fuse_emotion([emotion({"neutral": 1.0})])
    assert fuse_cause([cause], neutral, "it", []) is None
    sad = fuse_emotion([emotion({"sadness": 1.0})])
    assert fuse_cause([cause], sad, "it", [])["span"] == "it"


def test_crisis_evidence_rules_out_joy():
    crisis = Detection(skill="s", kind="safety", flagged=True, category="suicide", score=0.9)
    joyful_words = emotion({"joy": 0.4, "sadness": 0.3, "fear": 0.3})
    reading = fuse_emotion([joyful_words, crisis.to_dict()])
    assert reading["label"] != "joy"
    assert reading["scores"]["joy"] < 0.1
    calm = Detection(skill="s", kind="safety", flagged=False, score=1.0)
    assert fuse_emotion([joyful_words, calm.to_dict()])["label"] == "joy"
