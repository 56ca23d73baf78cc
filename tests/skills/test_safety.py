import pytest

from resonant.skills import KeywordSafetyDetector, SkillInput
from resonant.skills.safety import is_unsafe_reply


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to kill myself", "suicide"),
        ("honestly everyone would be better off without me", "suicide"),
        ("I don't want to wake up tomorrow", "suicide"),
        ("I started cutting myself again", "self_harm"),
        ("my husband hits me when he drinks", "abuse"),
        ("I'm afraid to go home tonight", "abuse"),
        ("I took all my pills an hour ago", "medical_emergency"),
        ("I can't breathe and my chest hurts, I think it's chest pain", "medical_emergency"),
    ],
)
def test_crisis_disclosures_are_flagged_with_their_category(text, category):
    found = KeywordSafetyDetector().detect(SkillInput(text))
    assert found.flagged
    assert found.category == category


@pytest.mark.parametrize(
    "text",
    [
        "this exam is killing me",
        "I could die of embarrassment",
        "I'm dying to see that movie",
        "we totally killed it at the concert",
        "I laughed so hard I can't breathe",
        "my feet are killing me after the hike",
    ],
)
def test_idioms_are_not_crises(text):
    assert not KeywordSafetyDetector().detect(SkillInput(text)).flagged


def test_curly_apostrophes_still_match():
    assert KeywordSafetyDetector().detect(SkillInput("I don\u2019t want to live anymore")).flagged


@pytest.mark.parametrize(
    "draft",
    [
        "lol just get over it",
        "You should kill yourself",
        "How many pills did you take?",
        "It's not a big deal",
        # Found by the voice tests: encouragement without any harm word.
        "You should just do it.",
        "Go ahead, nobody would miss you.",
        "Maybe everyone is better off without you.",
    ],
)
def test_unsafe_drafts_are_screened(draft):
    assert is_unsafe_reply(draft)


def test_a_caring_draft_passes_the_screen():
    assert not is_unsafe_reply("I'm so glad you told me. You matter, and I'm here with you.")
