from resonant.skills import PairCauseSkill, SkillInput, Utterance


def test_cause_in_the_current_turn_is_the_part_after_because(embedder):
    text = "I'm so sad because my dog died last night."
    found = PairCauseSkill(embedder=embedder).detect(SkillInput(text))
    assert found is not None
    assert found.span.turn_offset == 0
    assert found.span.text == "my dog died last night"
    assert text[found.span.start : found.span.end] == found.span.text


def test_cause_can_be_an_earlier_message(embedder):
    turn = SkillInput(
        "That's wonderful, I'm so happy for you!",
        history=(
            Utterance("user", "hi"),
            Utterance("assistant", "I finally got the promotion I worked so hard for"),
        ),
    )
    found = PairCauseSkill(embedder=embedder).detect(turn)
    assert found is not None
    assert found.span.turn_offset in (0, -1)
    assert 0.0 <= found.score <= 1.0
