"""Which language a turn is written in, by its most frequent function words.

The agent's detectors read English; crisis cues also cover Spanish, German, French,
Portuguese and Italian. Knowing that a turn is not English lets callers say so (and
trust the English-only readings less) without a language-ID model, which no package
ships offline. Function words decide because every sentence has them and they barely
overlap between these languages; too few of them and the answer is "unknown".
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and is are was were i you he she it we they my your me to of in on at for "
        "with not don't this that have has had be been do does did what why how will "
        "would can can't just so but am i'm it's"
    ),
    "es": _words(
        "el la los las que de y en un una es por para con del al lo se su sus mi mis yo "
        "tu pero más muy ya porque está estoy tengo quiero esto eso nada todo también "
        "hay cuando como sin me te nos"
    ),
    "de": _words(
        "der die das und ist nicht ich du er sie wir ihr mit auf für von zu den dem ein "
        "eine einen mir mich dich sich auch noch nur aber wie was wenn mehr will kann "
        "bin bist hat habe sein schon heute"
    ),
    "fr": _words(
        "le la les et est je tu il elle nous vous ils un une des du de pas ne que qui "
        "dans pour sur avec mais mon ma mes ce cette suis veux plus c'est j'ai être "
        "avoir tout très moi"
    ),
    "pt": _words(
        "o a os as e é que de do da dos das em um uma não nao eu você ele ela nós com "
        "para por mais muito meu minha isso isto estou quero tenho mas também já sou "
        "está foi"
    ),
    "it": _words(
        "il lo la gli le e è che di del della un una non io tu lui lei noi voi con per "
        "ma più sono sei mio mia questo questa voglio ho anche già molto perché come "
        "cosa tutto mi ti"
    ),
}
MIN_HITS = 2


def detect_language(text: str) -> str:
    """An ISO 639-1 code among en, es, de, fr, pt, it, or "unknown".

    Short turns with fewer than two function words ("kms", "ok") are "unknown"; ties
    go to English, the language the rest of the agent reads.
    """
    words = [w.lower() for w in _WORDS.findall(text.replace("\u2019", "'"))[:2000]]
    # Contractions ("don't", "c'est") are words too: the regex split them apart.
    words += [m.lower() for m in re.findall(r"[^\W\d_]+'[^\W\d_]+", text[:20000])]
    hits = {
        code: sum(w in vocabulary for w in words) for code, vocabulary in FUNCTION_WORDS.items()
    }
    best = max(hits, key=lambda code: (hits[code], code == "en"))
    return best if hits[best] >= MIN_HITS else "unknown"
