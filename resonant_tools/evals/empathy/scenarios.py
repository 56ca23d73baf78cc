"""Hand-written multi-turn scenarios, one JSON object per line (so errors name a line).

    {"id": "grief-01", "category": "grief", "turns": ["...", "..."],
     "emotion": "sadness", "cause": ["dog", "died"], "facts": [], "crisis": false}

`turns` are the user's messages; the last one is the turn whose reply is scored, the
earlier ones set the scene. `emotion` is the Ekman label of the last turn; `cause` are
word stems of what caused it (a reply refers to the cause when it uses one); `facts` are
stems of things said in earlier turns that the reply should bring back. Scenarios with
facts play their earlier turns in an earlier conversation, so only long-term memory can
bring them back; the others play every turn in one conversation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from resonant.affect import EKMAN_LABELS
from resonant_tools.data.loaders import DatasetError

DEFAULT_SCENARIOS = Path("evals") / "suites" / "empathy.jsonl"
REQUIRED = ("id", "category", "turns", "emotion")


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    category: str
    turns: tuple[str, ...]
    emotion: str
    cause: tuple[str, ...]
    facts: tuple[str, ...]
    crisis: bool

    @property
    def setup(self) -> tuple[str, ...]:
        return self.turns[:-1]

    @property
    def final(self) -> str:
        return self.turns[-1]


def _parse(raw: object, where: str) -> Scenario:
    if not isinstance(raw, dict):
        raise DatasetError(f"{where}: expected a JSON object")
    missing = [key for key in REQUIRED if key not in raw]
    if missing:
        raise DatasetError(f"{where}: missing {', '.join(missing)}")
    turns = raw["turns"]
    if (
        not isinstance(turns, list)
        or not turns
        or not all(isinstance(t, str) and t.strip() for t in turns)
    ):
        raise DatasetError(f"{where}: 'turns' must be a non-empty list of non-empty strings")
    if raw["emotion"] not in EKMAN_LABELS:
        raise DatasetError(
            f"{where}: unknown emotion {raw['emotion']!r}; use one of {', '.join(EKMAN_LABELS)}"
        )
    lists = {}
    for key in ("cause", "facts"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise DatasetError(f"{where}: '{key}' must be a list of word stems")
        lists[key] = tuple(v.lower() for v in value)
    if lists["facts"] and len(turns) < 2:
        raise DatasetError(f"{where}: 'facts' need an earlier turn to come from")
    return Scenario(
        id=str(raw["id"]),
        category=str(raw["category"]),
        turns=tuple(turns),
        emotion=raw["emotion"],
        cause=lists["cause"],
        facts=lists["facts"],
        crisis=bool(raw.get("crisis", False)),
    )


def load_scenarios(path: str | Path = DEFAULT_SCENARIOS) -> list[Scenario]:
    """Read a scenario file; blank lines and lines starting with // are skipped.

    Raises:
        DatasetError: the file is missing, or a line is malformed (the message names the
            file and the line), or two scenarios share an id.
    """
    file = Path(path)
    if not file.is_file():
        raise DatasetError(f"no scenario file at {file}")
    scenarios: list[Scenario] = []
    seen: set[str] = set()
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{file}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"{where}: not valid JSON ({exc.msg} at column {exc.colno})"
            ) from exc
        scenario = _parse(raw, where)
        if scenario.id in seen:
            raise DatasetError(f"{where}: duplicate scenario id {scenario.id!r}")
        seen.add(scenario.id)
        scenarios.append(scenario)
    if not scenarios:
        raise DatasetError(f"{file}: no scenarios")
    return scenarios
