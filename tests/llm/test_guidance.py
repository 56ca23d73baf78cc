"""Detector-guided replies: the plan from detections and the screen over model text."""

from collections.abc import Iterator

import pytest

from resonant.agent.context import Conditioning
from resonant.llm.guidance import (
    FOLLOW_UPS,
    cause_phrase,
    guided_reply,
    keep_sentence,
    plan_reply,
    second_person,
)
from resonant.llm.testing import ScriptedChatModel


def test_the_users_words_are_said_back_in_the_second_person():
    assert second_person("I lost my job and I'm scared") == "you lost your job and you're scared"
    assert cause_phrase("My sister is getting married next month and I am so happy for her") == (
        "your sister is getting married next month"
    )
    assert cause_phrase("I failed.") == "you failed"
    assert cause_phrase("I found the letters and I just") == "you found the letters"
    assert cause_phrase("We lost the baby. I was eleven weeks along.") == "you lost the baby"
    assert cause_phrase("no") is None
    long_span = "The doctor found a lump and I have to wait a week for the biopsy results"
    assert cause_phrase(long_span) == "the doctor found a lump"


def test_plan_opens_with_emotion_and_cause_and_calls_back_a_relevant_memory():
    memories = [
        {"text": "My dog Max has been sick for weeks", "similarity": 0.6},
        {"text": "I like tea", "similarity": 0.1},
    ]
    plan = plan_reply("sadness", "The vet called about Max", memories)
    assert plan.opening == "I'm so sorry that the vet called about Max."
    assert plan.callback == "I remember you told me your dog Max has been sick for weeks."
    assert plan.follow_up == FOLLOW_UPS["sadness"]
    assert plan_reply("joy", None, memories[1:]).callback is None
    assert plan_reply(None, None, []).opening.startswith("Thank you")


def test_the_screen_drops_self_talk_repeats_role_labels_and_second_questions():
    kept = ["I'm so sorry that you lost your job."]
    assert not keep_sentence("As an AI language model, I cannot feel.", kept)
    assert not keep_sentence("I'm so sorry you lost your job.", kept)
    assert not keep_sentence("User: what should I do?", kept)
    assert not keep_sentence("When I was young my dog died too.", kept)
    assert keep_sentence("That must have come as a real shock to you.", kept)
    assert not keep_sentence("The sentence is a good example of fiction.", kept)  # meta talk
    assert not keep_sentence("I love my garden in spring.", kept)  # about itself
    assert not keep_sentence("Bananas are a great source of potassium.", kept)  # off topic
    assert keep_sentence("Losing your job out of nowhere hurts.", kept, frozenset({"job"}))
    assert keep_sentence("A job loss hurts for months.", kept, frozenset({"job", "months"}))
    long_drift = "You should try knitting a scarf with the wool from the shop on the corner."
    assert not keep_sentence(long_drift, kept, frozenset({"job"}))
    assert not keep_sentence("How do you feel?", [*kept, "What happened?"])


def test_guided_reply_keeps_one_good_model_sentence_and_one_question():
    plan = plan_reply("sadness", "I lost my job", [], user_text="I lost my job today.")
    model = ["As an AI I understand. ", "Losing your job like that must be a shock for you. ",
             "Bananas are yellow. ", "What happened at the job? ", "Do you have savings? ",
             "Another sentence."]  # fmt: skip
    reply = "".join(guided_reply(plan, model)).strip()
    assert reply == (
        "I'm so sorry that you lost your job. Losing your job like that must be a shock for you. "
        "How are you holding up?"
    )


def test_an_opening_never_contradicts_the_valence():
    # A bereavement misread as joy must not be congratulated: the signals disagree, so the
    # acknowledgement names no feeling.
    plan = plan_reply("joy", "Grandma passed away in her sleep", [], valence=-0.4)
    assert plan.opening == "Thank you for telling me that grandma passed away in her sleep."
    complaint = plan_reply("joy", None, [], valence=0.5, user_text="Nobody remembered my birthday")
    assert complaint.emotion == "neutral"
    assert plan_reply("neutral", "I lost it", [], valence=-0.4).opening.startswith("I'm sorry")
    # Signals that disagree give an acknowledgement that names no feeling.
    assert plan_reply("sadness", None, [], valence=0.5).opening == "Thank you for telling me."
    assert plan_reply("joy", "I won", [], valence=-0.05).opening.startswith("Thank you")
    assert plan_reply("admiration", "I won", [], valence=0.4).opening.startswith("That's wonderful")
    hard_news = "My friend died, he was like a father to me."
    assert plan_reply("joy", None, [], valence=0.3, user_text=hard_news).emotion == "neutral"


def test_when_the_model_drifts_the_reply_falls_back_to_the_detections():
    plan = plan_reply("fear", "my exams start on Monday", [])
    drift = ["User: I am an AI. ", "User: I am an AI. ", "lol"]
    assert "".join(guided_reply(plan, drift)).strip() == (
        "It sounds really scary that your exams start on Monday. What worries you most about it?"
    )


def test_the_opening_is_yielded_before_the_model_is_asked_for_anything():
    def slow_model() -> Iterator[str]:
        raise AssertionError("the model was read before the opening was sent")
        yield ""  # pragma: no cover

    pieces = guided_reply(plan_reply("joy", None, [], valence=0.5), slow_model())
    assert next(pieces) == "That's wonderful to hear! "
    with pytest.raises(AssertionError):
        next(pieces)


def test_the_agent_guides_replies_only_when_asked_and_never_in_a_crisis(make_agent):
    rambling = "I am a chatbot. I am a chatbot. You can tell me more."
    guided = make_agent(ScriptedChatModel([rambling]), conditioning=Conditioning(guided=True))
    reply = guided.respond("ada", "I'm so sad because my dog died last night.").reply
    assert reply.startswith("Oh, I'm so sorry that your dog died last night.")  # Willow's words
    assert "chatbot" not in reply and reply.endswith("?")
    plain = make_agent(ScriptedChatModel([rambling]))
    assert plain.respond("bo", "I'm so sad because my dog died.").reply == rambling
    crisis = guided.respond("cy", "I want to kill myself").reply
    assert "988" in crisis and not crisis.startswith("I'm so sorry that")
    assert "chatbot" not in crisis  # a guided (small) model's crisis draft is never used
