"""Emotion-cause extraction: which span of the conversation made the user feel this way.

Following RECCON's framing, the cause may sit in the current utterance or in an earlier
one. This extractor splits the recent messages into clauses and scores each for being an
*event* rather than a statement of feeling: clauses introduced by a causal connective
("because my dog died") score high, bare feeling statements ("I'm so sad") score low,
emotionally loaded content adds evidence, and the current turn is preferred.
"""

from __future__ import annotations

import re

from resonant.skills.base import Detection, SkillInput, Span
from resonant.text.lexicon import EVENT_TERMS, affect_categories, compound_sentiment
from resonant.text.tokens import tokens

_CLAUSE_BREAK_RE = re.compile(
    r"[.!?;:\n]+|,\s*|\s+(?=(?:because|since|after|when|cause|'cause|as soon as|now that|"
    r"due to|ever since|so that|but|and then)\b)",
    re.IGNORECASE,
)
_CAUSAL_OPENER_RE = re.compile(
    r"^(?:because|since|after|when|cause|'cause|as soon as|now that|due to|ever since)\b",
    re.IGNORECASE,
)
_FEELING_STATEMENT_RE = re.compile(
    r"^(?:and |but |so )?(?:i|i'm|im|i am|i feel|i've been|i have been|i was|i felt|it's|"
    r"that's|this is)\s+(?:(?:so|really|very|just|kind of|a bit|pretty|totally|feeling)\s+)*"
    r"\w+(?:\s+\w+)?$",
    re.IGNORECASE,
)
_MIN_WORDS = 3
_MIN_SCORE = 0.45
_LOOKBACK = 4
_TURN_BONUS = {0: 0.3, -1: 0.1}


def _clauses(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _CLAUSE_BREAK_RE.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if len(tokens(text[s:e])) >= _MIN_WORDS]


def _clause_score(clause: str, turn_offset: int) -> float:
    words = tokens(clause)
    hits = affect_categories(words)
    score = min(0.6, 0.2 * len(hits)) + 0.5 * abs(compound_sentiment(clause))
    if any(word in EVENT_TERMS for word in words) or "passed away" in clause.lower():
        score += 0.4
    if _CAUSAL_OPENER_RE.match(clause):
        score += 0.5
    if _FEELING_STATEMENT_RE.match(clause):
        score -= 0.6
    return score + _TURN_BONUS.get(turn_offset, 0.0)


class SpanCauseSkill:
    """Returns the most likely cause span among the current and the few previous messages."""

    name = "span-cause"
    kind = "cause"

    def detect(self, turn: SkillInput) -> Detection | None:
        messages = [(0, turn.text)]
        for back, utterance in enumerate(reversed(turn.history[-_LOOKBACK:]), start=1):
            messages.append((-back, utterance.text))
        best: tuple[float, Span] | None = None
        for offset, text in messages:
            for start, end in _clauses(text):
                raw = text[start:end]
                # Causal connectives introduce the cause; the span is what follows them.
                opener = _CAUSAL_OPENER_RE.match(raw.strip())
                lead = len(raw) - len(raw.lstrip()) + (opener.end() if opener else 0)
                stripped = raw[lead:].strip()
                if len(tokens(stripped)) < 2:
                    continue
                span_start = start + raw.index(stripped, lead if opener else 0)
                score = _clause_score(raw.strip(), offset)
                if best is None or score > best[0]:
                    best = (
                        score,
                        Span(stripped, offset, span_start, span_start + len(stripped)),
                    )
        if best is None or best[0] < _MIN_SCORE:
            return None
        return Detection(skill=self.name, kind="cause", span=best[1], score=min(1.0, best[0] / 1.5))
