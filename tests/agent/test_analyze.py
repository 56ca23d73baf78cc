import json

import pytest

from resonant.agent.analyze import MAX_LINE_BYTES, analyse_lines, parse_line
from resonant.skills.registry import DEFAULT_SKILLS, load_skills


@pytest.fixture(scope="module")
def skills():
    return load_skills(DEFAULT_SKILLS)


def lines(*rows):
    return [row if isinstance(row, bytes) else json.dumps(row).encode() for row in rows]


def test_each_line_gets_the_documented_fields_in_order(skills):
    out = list(
        analyse_lines(
            skills,
            lines(
                {"id": "a", "text": "Thank you so much, I passed my exam!"},
                {
                    "id": "b",
                    "text": "I'm so angry, he lied to me again.",
                    "speaker": "A",
                    "context": [
                        {"speaker": "A", "text": "My brother borrowed my car."},
                        {"speaker": "B", "text": "Did he bring it back?"},
                    ],
                },
            ),
        )
    )
    assert [o["id"] for o in out] == ["a", "b"]
    for result in out:
        assert set(result) == {"id", "labels", "ekman", "vad", "safety", "cause", "language"}
        assert result["ekman"]["label"] in result["ekman"]["scores"]
        assert all(-1 <= result["vad"][axis] <= 1 for axis in "vad")
        assert result["safety"] == {"flagged": False, "category": None}
    assert out[0]["ekman"]["label"] == "joy"
    assert out[1]["ekman"]["label"] == "anger"
    if out[1]["cause"] is not None:
        assert all(isinstance(t, int) and t >= 0 for t in out[1]["cause"]["turns"])


def test_a_crisis_line_is_flagged_with_its_category(skills):
    (result,) = analyse_lines(skills, lines({"id": "x", "text": "Ya no quiero vivir"}))
    assert result["safety"] == {"flagged": True, "category": "suicide"}
    assert result["language"] == "es"


BAD_LINES = [
    (b"", "not valid JSON"),
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"text": "no id"}', 'missing "id"'),
    (b'{"id": "m"}', 'missing "text"'),
    (b'{"id": "n", "text": 42}', "must be a string"),
    (b'{"id": "e", "text": "   "}', "empty"),
    (b'{"id": "u", "text": "caf\xff\xfe"}', "not valid UTF-8"),
    (b'{"id": "s", "text": "lone \\ud800 surrogate"}', "lone surrogate"),
    (b'{"id": "c", "text": "hi", "context": "not a list"}', "list of turns"),
    (b'{"id": "d", "text": "hi", "context": [{"speaker": "A"}]}', "context[0]"),
    (b'{"id": "big", "text": "' + b"a" * (1 << 20) + b'"}', "limit"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_LINES)
def test_a_bad_line_gives_an_error_and_the_rest_go_on(skills, raw, message):
    good = json.dumps({"id": "ok", "text": "I'm fine, thanks."}).encode()
    out = list(analyse_lines(skills, [good, raw, good]))
    assert len(out) == 3
    assert out[0]["id"] == out[2]["id"] == "ok" and "error" not in out[2]
    assert message in out[1]["error"]
    assert set(out[1]) == {"id", "error"}


def test_line_limits_are_checked_before_parsing():
    with pytest.raises(ValueError, match="limit"):
        parse_line(b" " * (MAX_LINE_BYTES + 1))


def test_other_speakers_in_a_transcript_are_people_not_the_agent():
    item = parse_line(
        json.dumps(
            {
                "id": "t",
                "text": "That's wonderful news!",
                "speaker": "B",
                "context": [
                    {"speaker": "A", "text": "I got into medical school!"},
                    {"speaker": "B", "text": "No way."},
                ],
            }
        ).encode()
    )
    assert [u.role for u in item.turn.history] == ["other", "user"]
