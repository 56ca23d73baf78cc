"""`resonant eval locomo` on a tiny conversation in the published format; on the five
dev conversations where ../shared exists (slow)."""

import json

import pytest

from resonant.cli import main
from resonant_tools.data.loaders import DatasetError
from resonant_tools.data.locomo import load_conversation
from tests.conftest import SHARED_DATASETS


def _conversation(with_evidence=True):
    def qa(question, category, evidence):
        item = {"question": question, "category": category}
        if with_evidence:
            item |= {"answer": "x", "evidence": evidence}
        return item

    return {
        "conversation": {
            "speaker_a": "Ana",
            "speaker_b": "Ben",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Ana", "dia_id": "D1:1", "text": "Hi Ben! How was your weekend?"},
                {"speaker": "Ben", "dia_id": "D1:2", "text": "Great, I went kayaking on the lake."},
                {"speaker": "Ana", "dia_id": "D1:3", "text": "I adopted a kitten named Miso!"},
                {
                    "speaker": "Ben",
                    "dia_id": "D1:4",
                    "text": "Look at this",
                    "blip_caption": "a photo of a red bicycle",
                },
            ],
            "session_2_date_time": "10:02 am on 20 May, 2023",
            "session_2": [
                {"speaker": "Ana", "dia_id": "D2:1", "text": "Miso knocked over my plant today."},
                {"speaker": "Ben", "dia_id": "D2:2", "text": "My sister starts college in June."},
            ],
        },
        "qa": [
            qa("Where did Ben go kayaking?", 4, ["D1:2"]),
            qa("What is the name of Ana's kitten?", 1, ["D1:3", "D2:1"]),
            qa("What colour is Ben's bicycle?", 4, ["D1:4"]),
        ],
    }


def _eval(capsys, tmp_path, folder, *extra):
    predictions = tmp_path / "pred.jsonl"
    code = main(
        ["eval", "locomo", "--data", str(folder), "--predictions", str(predictions),
         "--report-dir", str(tmp_path / "reports"), *extra]
    )  # fmt: skip
    out = capsys.readouterr().out
    rows = [json.loads(line) for line in predictions.read_text().splitlines()]
    return code, out, json.loads(out.strip().splitlines()[-1]), rows


def test_locomo_eval_scores_hybrid_recall_beside_both_baselines(capsys, tmp_path):
    folder = tmp_path / "locomo"
    folder.mkdir()
    (folder / "conv-1.json").write_text(json.dumps(_conversation()))
    code, out, summary, rows = _eval(capsys, tmp_path, folder)
    assert code == 0
    assert summary["scored"] == 3
    for mode in ("hybrid", "dense_only", "lexical_only"):
        assert 0.0 <= summary[f"{mode}_recall@10"] <= 1.0
    assert "dense only: evidence recall@5 / @10" in out and "(n=3)" in out
    assert (tmp_path / "reports" / "locomo.png").exists()
    assert [(r["conversation"], r["qa"]) for r in rows] == [("conv-1", i) for i in range(3)]
    assert len(rows[0]["retrieved"]) == 6  # every turn, best first (k exceeds the turns)
    # Words find their turns: the kayaking question's evidence is recalled first.
    assert rows[0]["retrieved"][0] == "D1:2"
    assert rows[2]["retrieved"][0] == "D1:4"  # found through the photo's caption


def test_questions_without_evidence_are_answered_but_not_scored(capsys, tmp_path):
    path = tmp_path / "conv-9.json"
    path.write_text(json.dumps(_conversation(with_evidence=False)))
    code, _, summary, rows = _eval(capsys, tmp_path, path)
    assert code == 0
    assert summary["scored"] == 0 and summary["questions"] == 3
    assert all(len(r["retrieved"]) == 6 for r in rows)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "not readable JSON"),
        (json.dumps({"conversation": {"speaker_a": "A"}, "qa": []}), "missing key 'speaker_b'"),
        (
            json.dumps({**_conversation(), "qa": [{"question": "q"}]}),
            "missing key 'category'",
        ),
    ],
)
def test_a_malformed_file_is_named_with_its_problem(tmp_path, content, message):
    path = tmp_path / "conv-bad.json"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message) as caught:
        load_conversation(path)
    assert "conv-bad.json" in str(caught.value)


@pytest.mark.slow
def test_dev_conversations_beat_both_baselines(capsys, tmp_path):
    folder = SHARED_DATASETS / "locomo"
    if not folder.exists():
        pytest.skip("../shared/datasets/locomo is not here")
    _, _, summary, _ = _eval(capsys, tmp_path, folder)
    assert summary["hybrid_recall@10"] > summary["dense_only_recall@10"] + 0.1
    assert summary["hybrid_recall@5"] >= summary["lexical_only_recall@5"]
