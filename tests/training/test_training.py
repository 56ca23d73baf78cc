"""Training runs end to end on tiny data in the published formats, and the weights it
writes load into the shipped skills."""

import json

import numpy as np
import pytest

from resonant.cli import main
from resonant.skills import LinearEmotionClassifier, RidgeVADRegressor, SkillInput


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_train_emotion_writes_weights_the_classifier_loads(capsys, tmp_path, goemotions_dir):
    out = tmp_path / "emotion.npz"
    assert main(["train", "emotion", "--data", str(goemotions_dir), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["detector"] == "emotion"
    classifier = LinearEmotionClassifier(out)
    assert len(classifier.labels) == 28
    found = classifier.detect(SkillInput("I'm so sad my grandmother died"))
    assert found.label == "sadness"


def test_train_vad_is_reproducible(capsys, tmp_path, emobank_dir):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    for out in (first, second):
        assert main(["train", "vad", "--data", str(emobank_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    a, b = np.load(first), np.load(second)
    assert all(np.array_equal(a[key], b[key]) for key in a.files)
    regressor = RidgeVADRegressor(first)
    happy, scary = regressor.predict(["I love this wonderful gift", "This is awful and scary"])
    assert happy[0] > scary[0]


def test_train_cause_writes_weights_the_skill_loads(capsys, tmp_path, reccon_file):
    out = tmp_path / "cause.npz"
    assert main(["train", "cause", "--data", str(reccon_file.parent), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["pairs"] > 0
    from resonant.skills import PairCauseClassifier

    classifier = PairCauseClassifier(out)
    assert 0.0 < classifier.threshold < 1.0


@pytest.fixture
def datasets_root(tmp_path, goemotions_dir, emobank_dir, reccon_file):
    """A folder of all four training sets in their published formats, tiny."""
    sdcnl = tmp_path / "sdcnl"
    sdcnl.mkdir()
    rows = ["title,selftext,is_suicide"]
    for i in range(12):
        rows.append(f'"I can\'t go on {i}","I have a plan and I will end my life {i}",1')
        rows.append(f'"So tired {i}","Everything feels grey and heavy lately {i}",0')
    (sdcnl / "training-set.csv").write_text("\n".join(rows) + "\n")
    reccon = tmp_path / "reccon"
    reccon.mkdir(exist_ok=True)
    (reccon / "dailydialog_train.json").write_text(reccon_file.read_text())
    return tmp_path


@pytest.mark.slow
def test_encoder_training_resumes_and_exports_weights_the_skills_load(tmp_path, datasets_root):
    from resonant.skills.affect_encoder import AffectEncoder
    from resonant.training import encoder

    work, out = tmp_path / "work", tmp_path / "encoder.npz"
    report = encoder.train(datasets_root, out, work=work, epochs=1)
    steps = report["steps"]
    assert steps == encoder.steps_per_epoch(datasets_root)
    assert "goemotions_heldout_macro_f1" in report and "crisis_threshold" in report
    # A second run finds the finished checkpoint and trains no further.
    assert encoder.train(datasets_root, out, work=work, epochs=1)["steps"] == steps
    assert "step" in (work / "progress.log").read_text()
    reading = AffectEncoder(out).read("I'm so sad my grandmother died", ["Hi, how are you?"])
    assert abs(sum(reading.ekman.values()) - 1.0) < 1e-4
    assert -1.0 <= reading.vad.v <= 1.0
    assert 0.0 <= reading.crisis <= 1.0
