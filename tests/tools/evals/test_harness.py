"""`resonant eval` end to end on tiny datasets; on the real ones where ../shared exists."""

import json

import pytest

from resonant.cli import main
from tests.conftest import SHARED_DATASETS


def run(capsys, *args):
    code = main(["eval", *args])
    out = capsys.readouterr().out
    return code, out, json.loads(out.strip().splitlines()[-1])


def test_goemotions_eval_writes_table_plot_predictions_and_json(capsys, tmp_path, goemotions_dir):
    predictions = tmp_path / "pred.jsonl"
    code, out, summary = run(
        capsys,
        "goemotions",
        "--data",
        str(goemotions_dir),
        "--predictions",
        str(predictions),
        "--report-dir",
        str(tmp_path / "reports"),
    )
    assert code == 0
    assert 0.0 <= summary["ours_macro_f1"] <= 1.0
    assert summary["items"] == 8
    # The trivial baseline and the previous default are printed beside ours, with n.
    assert "| ours (affect encoder): macro-F1 | " in out
    assert "| baseline: always neutral: macro-F1 | " in out
    assert "(n=8)" in out
    assert (tmp_path / "reports" / "goemotions.md").exists()
    assert (tmp_path / "reports" / "goemotions.png").stat().st_size > 1000
    rows = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert len(rows) == 8
    assert set(rows[0]) == {"id", "labels"}
    sad_row = rows[0]
    assert "sadness" in sad_row["labels"]


def test_emobank_eval_compares_with_the_lexicon_baseline(capsys, tmp_path, emobank_dir):
    predictions = tmp_path / "pred.jsonl"
    code, _, summary = run(
        capsys,
        "emobank",
        "--data",
        str(emobank_dir),
        "--predictions",
        str(predictions),
        "--report-dir",
        str(tmp_path),
    )
    assert code == 0
    for system in ("ours", "previous", "baseline"):
        assert {f"{system}_pearson_{axis}" for axis in "vad"} <= set(summary)
    first = json.loads(predictions.read_text().splitlines()[0])
    assert set(first) == {"id", "v", "a", "d"}


def test_missing_data_is_a_clear_error(capsys, tmp_path):
    assert main(["eval", "emobank", "--data", str(tmp_path / "nothing")]) == 2
    assert "JULIELab/EmoBank" in capsys.readouterr().err


# Whole dev splits: 20-50 s each on 2 cores, so in `make test-slow`.
@pytest.mark.slow
@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is not here")
def test_shipped_encoder_beats_the_previous_vad_regressor_on_emobank_dev(capsys, tmp_path):
    _, _, summary = run(
        capsys, "emobank", "--data", str(SHARED_DATASETS / "emobank"), "--report-dir", str(tmp_path)
    )
    for axis in "vad":
        assert summary[f"ours_pearson_{axis}"] > summary[f"baseline_pearson_{axis}"]
    assert summary["ours_pearson_v"] > summary["previous_pearson_v"]


@pytest.mark.slow
@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is not here")
def test_shipped_encoder_reaches_bert_base_macro_f1(capsys, tmp_path):
    _, _, summary = run(
        capsys,
        "goemotions",
        "--data",
        str(SHARED_DATASETS / "goemotions"),
        "--report-dir",
        str(tmp_path),
    )
    assert summary["ours_macro_f1"] >= 0.46


def test_safety_eval_reports_development_and_held_out_sets(capsys, tmp_path):
    code, out, summary = run(
        capsys, "safety", "--data", "evals/suites", "--report-dir", str(tmp_path)
    )
    assert code == 0
    assert summary["items"] >= 150
    assert summary["heldout_items"] > 0
    assert summary["recall"] >= 0.95
    assert summary["heldout_recall"] > summary["heldout_keyword_only_recall"]
    assert "keyword rules alone" in out
    assert "false alarms" in out


def test_reccon_eval_scores_ours_the_rule_and_the_agent_path(capsys, tmp_path, reccon_file):
    predictions = tmp_path / "pred.jsonl"
    code, out, summary = run(
        capsys,
        "reccon",
        "--data",
        str(reccon_file.parent),
        "--predictions",
        str(predictions),
        "--report-dir",
        str(tmp_path),
    )
    assert code == 0
    for system in ("ours", "rule", "self", "agent_path", "agent_path_rule", "analyze_path"):
        assert 0.0 <= summary[f"{system}_positive_f1"] <= 1.0
    assert "itself + the previous turn" in out
    rows = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert set(rows[0]) == {"dialogue", "target", "candidate", "p"}


# Whole dev splits: 20-50 s each on 2 cores, so in `make test-slow`.
@pytest.mark.slow
@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is not here")
def test_shipped_cause_head_beats_itself_plus_previous_on_reccon(capsys, tmp_path):
    _, _, summary = run(
        capsys, "reccon", "--data", str(SHARED_DATASETS / "reccon"), "--report-dir", str(tmp_path)
    )
    assert summary["ours_positive_f1"] > summary["rule_positive_f1"]


def test_reccon_emotion_eval_scores_the_fusion_and_the_baselines(capsys, tmp_path, reccon_file):
    code, out, summary = run(
        capsys, "reccon-emotion", "--data", str(reccon_file.parent), "--report-dir", str(tmp_path)
    )
    assert code == 0
    assert summary["turns"] > 0
    for system in ("fused", "previous", "baseline"):
        assert 0.0 <= summary[f"{system}_weighted_f1"] <= 1.0
    assert "fused (agent default)" in out and "always neutral" in out


# Whole dev splits: 20-50 s each on 2 cores, so in `make test-slow`.
@pytest.mark.slow
@pytest.mark.datasets
@pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is not here")
def test_fused_emotion_beats_always_neutral_and_the_previous_default(capsys, tmp_path):
    _, _, summary = run(
        capsys, "reccon-emotion", "--data", str(SHARED_DATASETS / "reccon"),
        "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert summary["fused_weighted_f1"] > summary["baseline_weighted_f1"]
    assert summary["fused_accuracy"] > summary["baseline_accuracy"]
    assert summary["fused_weighted_f1"] > summary["previous_weighted_f1"]
