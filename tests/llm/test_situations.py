"""Moments whose surface words mislead: each gets an opening that follows what happened.
The sentences here are not those of evals/suites/hard_cases*.jsonl."""

import pytest

from resonant.llm.guidance import guided_reply, plan_reply
from resonant.llm.situations import situation_of
from resonant.persona import load_persona
from resonant.persona.model import Phrases


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("It's my grandad's birthday today, the first since he passed.", "grief occasion"),
        ("Mother's Day without my mom again.", "grief occasion"),
        ("The radiation is finally done and the scan was all clear.", "relief"),
        (
            "I got engaged, but my parents refuse to come to the wedding and I'm heartbroken.",
            "mixed news",
        ),
        ("Oh perfect, the train is delayed again.", "sarcasm"),
        ("Do you remember what my sister's name is?", "memory question"),
        ("Is it okay to skip the party to rest?", "question"),
        ("Thanks for listening.", "thanks"),
        ("My cat knocked over a plant today.", None),
        ("Great news, I passed my driving test!", None),
        ("I lost my keys today.", None),
    ],
)
def test_situations_are_read_from_what_happened(text, kind):
    found = situation_of(text)
    assert (found.kind if found else None) == kind


def test_a_grief_occasion_is_never_congratulated_whatever_the_emotion_reads():
    plan = plan_reply("joy", None, [], valence=0.6, user_text="Today would have been Nan's 90th.")
    reply = "".join(guided_reply(plan, iter(["Happy birthday to her! ", "She sounds lovely. "])))
    assert "birthday" not in reply.lower().split("today")[0]
    assert not any(word in reply.lower() for word in ("wonderful", "celebrate", "happy birthday"))


def test_relief_is_shared_not_commiserated():
    plan = plan_reply("sadness", None, [], valence=-0.3, user_text="The radiation is finally done.")
    assert plan.opening == "What a relief that the radiation is finally done."
    reply = "".join(guided_reply(plan, iter(["I'm so sorry about the radiation. "])))
    assert "sorry" not in reply


def test_a_memory_question_is_answered_from_what_was_recalled():
    remembered = [{"text": "My sister Ines lives in Porto.", "similarity": 0.3}]
    plan = plan_reply(
        "neutral", None, remembered, valence=0.0, user_text="Do you remember where my sister lives?"
    )
    assert plan.opening == "You told me your sister Ines lives in Porto."
    unknown = plan_reply("neutral", None, [], user_text="Do you remember my sister's name?")
    assert "don't think you've told me" in unknown.opening


def test_a_direct_question_gets_an_answer_to_what_it_asks():
    plan = plan_reply("sadness", None, [], user_text="Is it okay to skip the party to rest?")
    assert plan.opening == "It's completely normal to skip the party to rest."


def test_malformed_cause_spans_are_not_said_back():
    plan = plan_reply("sadness", "Sorry, you know, whatever", [], valence=-0.4, reflect=True)
    assert "you know" not in plan.opening and "sorry, " not in plan.opening.lower()


def test_each_persona_words_the_same_moment_its_own_way():
    openings = {
        name: plan_reply(
            "fear",
            None,
            [],
            valence=-0.4,
            user_text="My driving test is on Friday.",
            reflect=True,
            phrases=load_persona(name).phrases,
        ).prefix
        for name in ("willow", "sage", "sol")
    }
    assert len(set(openings.values())) == 3
    assert all("driving test is on friday" in o.lower() for o in openings.values())


def test_a_persona_phrase_without_its_cause_slot_is_refused():
    with pytest.raises(ValueError, match="cause"):
        Phrases(openings={"joy": ["How lovely!", "How lovely!"]})
