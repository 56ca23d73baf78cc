from resonant.skills import SkillInput, SpanCauseSkill, Utterance


def test_cause_after_because_is_the_event_not_the_feeling():
    found = SpanCauseSkill().detect(SkillInput("I'm so sad because my dog died last night."))
    assert found is not None
    assert found.span.text == "my dog died last night"
    assert found.span.turn_offset == 0
    text = "I'm so sad because my dog died last night."
    assert text[found.span.start : found.span.end] == found.span.text


def test_cause_can_come_from_an_earlier_turn():
    turn = SkillInput(
        "I just feel awful.",
        history=(
            Utterance("user", "My grandmother passed away on Sunday"),
            Utterance("assistant", "Oh no. How are you holding up?"),
        ),
    )
    found = SpanCauseSkill().detect(turn)
    assert found is not None
    assert found.span.turn_offset == -2
    assert "grandmother passed away" in found.span.text


def test_small_talk_has_no_cause():
    assert SpanCauseSkill().detect(SkillInput("hi there")) is None
