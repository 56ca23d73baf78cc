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
