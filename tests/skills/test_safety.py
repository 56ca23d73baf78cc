import pytest

from resonant.skills import KeywordSafetySkill, SkillInput, safety
from resonant.skills.safety import find_crisis_cue, is_unsafe_reply


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
    found = KeywordSafetySkill().detect(SkillInput(text))
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
    assert not KeywordSafetySkill().detect(SkillInput(text)).flagged


def test_curly_apostrophes_still_match():
    assert KeywordSafetySkill().detect(SkillInput("I don\u2019t want to live anymore")).flagged


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


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("kms", "suicide"),
        ("some nights I wish I could go to sleep and not wake up", "suicide"),
        ("I honestly can't see the point of going on", "suicide"),
        ("honestly i might just kms tonight", "suicide"),
        ("I do not want to live anymore", "suicide"),
        ("Ya no quiero vivir", "suicide"),
        ("Ich will nicht mehr leben", "suicide"),
        ("Je ne veux plus vivre", "suicide"),
        ("Não quero mais viver", "suicide"),
        ("Non voglio più vivere", "suicide"),
        ("Me quiero matar", "suicide"),
        ("Ich ritze mich wieder", "self_harm"),
    ],
)
def test_slang_and_other_languages_are_flagged(text, category):
    found = KeywordSafetySkill().detect(SkillInput(text))
    assert found.flagged, text
    assert found.category == category


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to die",
        "I would never kill myself, I promise",
        "I'm not going to hurt myself",
        "No quiero morir",
        "Non voglio morire",
        "Marry me.",
        "What are you doing tonight?",
        "My father is in hospital with a stroke and I'm scared.",
        "this traffic is killing me",
    ],
)
def test_negations_questions_and_worried_relatives_are_not_crises(text):
    assert not KeywordSafetySkill().detect(SkillInput(text)).flagged


def test_unpunctuated_text_is_read_in_bounded_windows():
    # The old rules were quadratic on long unpunctuated text; every regex now sees at
    # most WINDOW characters, and a cue at the very end is still found.
    text = "so tired of everything " * 5000 + "i want to kill myself"
    windows = list(safety._windows(text))
    assert max(len(w) for w in windows) <= safety.WINDOW
    assert len(windows) <= len(text) // (safety.WINDOW - safety.OVERLAP) + 2
    assert find_crisis_cue(text) == ("suicide", "kill myself")


@pytest.mark.parametrize(
    ("text", "denial"),
    [
        ("I don't want to die", True),
        ("I would never kill myself, I promise", True),
        ("No quiero morir", True),
        ("I want to die", False),
        ("I don't want to die, but I can't go on and I want to kill myself", False),
        ("Marry me", False),
    ],
)
def test_only_short_negated_statements_are_denials(text, denial):
    assert safety.is_denial(text) is denial
