"""The default skills, on the shipped affect encoder (real weights, no fakes)."""

import pytest

from resonant.affect import EKMAN_LABELS
from resonant.skills import SkillInput, Utterance
from resonant.skills.affect_encoder import shared_affect_encoder, with_context
from resonant.skills.encoder_skills import (
    EncoderCauseSkill,
    EncoderCrisisSkill,
    EncoderEmotionSkill,
    EncoderVADSkill,
)
from resonant.skills.fusion import fuse_emotion, fuse_safety
from resonant.skills.registry import DEFAULT_SKILLS, load_skills


def test_the_ekman_reading_is_a_distribution_with_goemotions_labels_beside_it():
    found = EncoderEmotionSkill().detect(SkillInput("Thank you so much, this made my day!"))
    assert set(found.scores) == set(EKMAN_LABELS)
    assert abs(sum(found.scores.values()) - 1.0) < 1e-4
    assert found.label == "joy"
    assert "gratitude" in found.labels


@pytest.mark.parametrize("text", ["Okay.", "What time does the train leave?", "Marry me."])
def test_plain_turns_read_as_neutral(text):
    found = EncoderEmotionSkill().detect(SkillInput(text))
    assert fuse_emotion([found.to_dict()])["label"] == "neutral"


def test_a_suicide_note_is_never_joy_and_is_flagged():
    # The encoder's Ekman head alone reads joy here; the crisis evidence rules it out.
    turn = SkillInput("I want to kill myself tonight.")
    found = [d.to_dict() for s in load_skills(DEFAULT_SKILLS) if (d := s.detect(turn))]
    assert fuse_emotion(found)["label"] != "joy"
    assert fuse_safety(found) == {"flagged": True, "category": "suicide", "cue": "kill myself"}


PLAN = (
    "I've thought about it for weeks. I sold my guitar, wrote letters to my sister and my "
    "best friend, and I know which bridge. Saturday when my roommate is away I'm going to "
    "finally do it. I'm not scared anymore, just tired."
)
LAMENTS = [
    "Work has been awful. My boss yells at me every day, my coworkers ignore me, and I am "
    "so tired when I get home that I just lie on the couch. I hate this job and I feel "
    "stuck, but I need the money for rent. I do not know what to do anymore.",
    "I feel like a failure. Everyone else my age has a career and a partner and I am still "
    "living with my parents, unemployed, and I have no idea what I am doing with my life.",
    "I feel stuck. " * 2000,
]


def test_a_post_describing_a_plan_is_flagged_without_any_keyword():
    found = EncoderCrisisSkill().detect(SkillInput(PLAN))
    assert found is not None and found.flagged and found.category == "suicide"


@pytest.mark.parametrize("text", LAMENTS)
def test_long_laments_are_not_crises(text):
    found = EncoderCrisisSkill().detect(SkillInput(text))
    assert found is not None and not found.flagged


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "Congratulations!!",
        "I finally finished my thesis today!",
        "I don't want to die",
        "See you tomorrow night",
    ],
)
def test_ordinary_lines_of_chat_are_not_crises(text):
    assert not EncoderCrisisSkill().detect(SkillInput(text)).flagged


def test_a_short_disclosure_without_keywords_is_flagged():
    found = EncoderCrisisSkill().detect(
        SkillInput("I can't do this anymore. Nobody would miss me if I was gone.")
    )
    assert found.flagged


def test_valence_follows_the_words():
    vad = EncoderVADSkill()
    happy = vad.detect(SkillInput("We won the championship, best day of my life!")).vad
    sad = vad.detect(SkillInput("My grandmother died last night and I feel empty.")).vad
    assert happy.v > 0.2 > -0.2 > sad.v
    for value in (happy.v, happy.a, happy.d, sad.v, sad.a, sad.d):
        assert -1.0 <= value <= 1.0


def test_context_changes_the_conversational_reading():
    encoder = shared_affect_encoder()
    alone = encoder.read("Really?")
    after_news = encoder.read("Really?", ["I just won the lottery!"])
    assert alone.ekman != after_news.ekman
    assert with_context("b", ["x", "a"]) == "b [SEP] a [SEP] x"


def test_the_agents_reply_is_a_cause_only_when_the_user_reacts_to_it():
    cause = EncoderCauseSkill()
    history = (
        Utterance("user", "I lost my job today."),
        Utterance("assistant", "That sounds really hard. What happened?"),
    )
    own_story = cause.detect(SkillInput("I'm so scared about paying rent now.", history))
    assert own_story is None or own_story.span.turn_offset != -1
    candidates = cause._candidates(SkillInput("Why would you say that to me?", history))
    assert any(back == 1 for back, _, _ in candidates)
    candidates = cause._candidates(SkillInput("I'm so scared about rent.", history))
    assert all(back != 1 for back, _, _ in candidates)
    # Another person in a transcript is always a candidate.
    transcript = (Utterance("other", "I crashed your car, sorry."),)
    candidates = cause._candidates(SkillInput("I'm so angry right now.", transcript))
    assert [(back, same) for back, _, same in candidates] == [(0, True), (1, False)]


def test_readings_are_cached_so_four_skills_cost_one_pass():
    encoder = shared_affect_encoder()
    text = "I can't stop smiling today, everything went right."
    first = encoder.read(text)
    assert encoder.read(text) is first
    batch = encoder.read_many([(text, ()), ("Another turn entirely.", ())])
    assert batch[0] is first


def test_a_vetoed_turn_carries_no_crisis_risk_into_fusion():
    found = EncoderCrisisSkill().detect(SkillInput("I don't want to die"))
    assert not found.flagged and found.score == 1.0
