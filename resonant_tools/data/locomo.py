"""Reading LoCoMo conversations (Maharana et al., ACL 2024) in their published format.

One JSON file per conversation: `conversation` holds `speaker_a`, `speaker_b`,
`session_N` (a list of turns: `speaker`, `dia_id`, `text`, maybe `blip_caption` for a
shared photo) and `session_N_date_time` ("1:56 pm on 8 May, 2023"); `qa` is a list of
questions with `question` and `category`, and, in the annotated files, `answer` and
`evidence` (the dia_ids that hold the answer). A file whose top level is the
conversation itself (no `conversation` key) is read too. Files without evidence can be
evaluated (retrieval is written out) but not scored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from resonant_tools.data.loaders import DatasetError

_SESSION = re.compile(r"session_(\d+)$")


@dataclass(frozen=True, slots=True)
class LocomoTurn:
    dia_id: str
    speaker: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LocomoQuestion:
    index: int  # position in the file's qa list
    question: str
    category: int
    evidence: tuple[str, ...] | None  # None where the file carries no evidence


@dataclass(frozen=True, slots=True)
class LocomoConversation:
    name: str
    speakers: tuple[str, str]
    turns: list[LocomoTurn]
    questions: list[LocomoQuestion]


def session_time(text: str, where: str) -> datetime:
    """'1:56 pm on 8 May, 2023' as a UTC datetime."""
    try:
        return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)
    except ValueError as exc:
        raise DatasetError(f"{where}: unreadable session date {text!r}") from exc


def _turn_text(turn: dict[str, Any]) -> str:
    text = str(turn["text"])
    caption = turn.get("blip_caption")
    return f"{text} [shares a photo of {caption}]" if caption else text


def load_conversation(path: Path) -> LocomoConversation:
    """One LoCoMo file.

    Raises:
        DatasetError: broken JSON or a missing key, naming the file and the key.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{path}: not readable JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a JSON object at the top level")
    dialogue = data.get("conversation", data)
    where = str(path)
    try:
        speakers = (str(dialogue["speaker_a"]), str(dialogue["speaker_b"]))
        sessions = sorted(
            (int(match.group(1)), key)
            for key in dialogue
            if (match := _SESSION.match(key)) and isinstance(dialogue[key], list)
        )
        turns = [
            LocomoTurn(
                dia_id=str(turn["dia_id"]),
                speaker=str(turn["speaker"]),
                text=_turn_text(turn),
                at=session_time(dialogue[f"{key}_date_time"], where),
            )
            for _, key in sessions
            for turn in dialogue[key]
        ]
        questions = [
            LocomoQuestion(
                index=i,
                question=str(item["question"]),
                category=int(item["category"]),
                evidence=tuple(str(e) for e in item["evidence"]) if "evidence" in item else None,
            )
            for i, item in enumerate(data["qa"])
        ]
    except KeyError as exc:
        raise DatasetError(f"{path}: missing key {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{path}: malformed conversation ({exc})") from exc
    if not turns:
        raise DatasetError(f"{path}: no session_N turns found")
    return LocomoConversation(path.stem, speakers, turns, questions)


def load_locomo(folder: Path) -> list[LocomoConversation]:
    """Every `*.json` conversation in `folder` (or the one file given), by name."""
    files = [folder] if folder.is_file() else sorted(folder.glob("*.json"))
    if not files:
        raise DatasetError(f"no LoCoMo .json files in {folder}")
    return [load_conversation(path) for path in files]
