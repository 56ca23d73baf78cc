import pytest

from resonant.skills import LexiconEmotionSkill, LexiconVADSkill, SkillInput


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I'm so sad because my dog died last night.", "sadness"),
        ("My boss yelled at me in front of everyone. I'm furious!", "anger"),
        ("I'm terrified of the surgery tomorrow.", "fear"),
        ("I got the job and I'm thrilled!", "joy"),
        ("The meeting is at three.", "neutral"),
    ],
)
def test_emotion_detector_names_the_obvious_emotion(text, label):
    detection = LexiconEmotionSkill().detect(SkillInput(text))
    assert detection.label == label
    assert sum(detection.scores.values()) == pytest.approx(1.0)
    assert detection.score == max(detection.scores.values())


def test_negated_joy_is_not_joy():
    detection = LexiconEmotionSkill().detect(SkillInput("I am not happy at all."))
    assert detection.label != "joy"


def test_vad_orders_valence_and_arousal_sensibly():
    vad = LexiconVADSkill()
    sad = vad.detect(SkillInput("I feel so lonely and hopeless.")).vad
    happy = vad.detect(SkillInput("This is wonderful, I'm so happy!")).vad
    furious = vad.detect(SkillInput("I'm FURIOUS, they lied to me!!")).vad
    calm = vad.detect(SkillInput("The meeting is at three.")).vad
    assert sad.v < 0 < happy.v
    assert furious.a > calm.a
    assert sad.d < happy.d
    for point in (sad, happy, furious, calm):
        assert all(-1.0 <= x <= 1.0 for x in (point.v, point.a, point.d))
