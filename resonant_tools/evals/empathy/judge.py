"""An LLM judge of empathy, with the EPITOME rubric (Sharma et al., EMNLP 2020).

Any OpenAI-compatible model (a vLLM server, say) rates each reply on the three
communication mechanisms of empathy, each 0 (absent), 1 (weak) or 2 (strong). The score
is their sum divided by 6, in [0, 1]. The rubric text is published in RUBRIC below and in
evals/REPORT.md so judged numbers can be reproduced.
"""

from __future__ import annotations

import json
import re

from resonant.errors import LLMUnavailableError
from resonant.llm.base import ChatMessage, ChatModel

RUBRIC = """You rate how empathetic a reply is, using the EPITOME rubric.
Score each mechanism 0 (absent), 1 (weak) or 2 (strong):
- emotional_reactions: the reply expresses warmth, compassion or concern for the person
  (weak: a generic "I'm sorry"; strong: specific to what they feel).
- interpretations: the reply shows it understood the person's feelings and experience
  (weak: a generic "I understand"; strong: names the feeling and its cause).
- explorations: the reply gently explores what the person has not said yet
  (weak: a generic "what happened?"; strong: a specific question about their experience).
Answer with JSON only: {"emotional_reactions": n, "interpretations": n, "explorations": n}"""

MECHANISMS = ("emotional_reactions", "interpretations", "explorations")
_NUMBER_RE = re.compile(r'"?(emotional_reactions|interpretations|explorations)"?\s*:\s*([0-2])')


def parse_scores(text: str) -> dict[str, int] | None:
    """The three scores from the judge's answer, tolerating prose around the JSON."""
    found = {name: int(value) for name, value in _NUMBER_RE.findall(text)}
    if set(found) != set(MECHANISMS):
        try:
            data = json.loads(text[text.index("{") : text.rindex("}") + 1])
            found = {name: int(data[name]) for name in MECHANISMS}
        except (ValueError, KeyError, TypeError):
            return None
    return found if all(0 <= v <= 2 for v in found.values()) else None


class EmpathyJudge:
    def __init__(self, model: ChatModel):
        self.model = model

    def score(self, conversation: list[str], reply: str) -> float | None:
        """EPITOME score in [0, 1]; None when the judge did not answer usably."""
        said = "\n".join(f"Person: {turn}" for turn in conversation)
        messages = [
            ChatMessage(role="system", content=RUBRIC),
            ChatMessage(role="user", content=f"{said}\nReply: {reply}\nScores:"),
        ]
        try:
            answer = "".join(self.model.stream(messages, max_tokens=60, temperature=0.0))
        except LLMUnavailableError:
            return None
        scores = parse_scores(answer)
        return sum(scores.values()) / 6 if scores else None
