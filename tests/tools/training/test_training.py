"""Training runs end to end on tiny data in the published formats, and the weights it
writes load into the shipped skills."""

import json

import numpy as np
import pytest

from resonant.cli import main
from resonant.skills import LinearEmotionSkill, RidgeVADSkill, SkillInput


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_train_emotion_writes_weights_the_classifier_loads(capsys, tmp_path, goemotions_dir):
    out = tmp_path / "emotion.npz"
    assert main(["train", "emotion", "--data", str(goemotions_dir), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["detector"] == "emotion"
    classifier = LinearEmotionSkill(out)
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
    regressor = RidgeVADSkill(first)
    happy, scary = regressor.predict(["I love this wonderful gift", "This is awful and scary"])
    assert happy[0] > scary[0]


def test_train_cause_writes_weights_the_skill_loads(capsys, tmp_path, reccon_file):
    out = tmp_path / "cause.npz"
    assert main(["train", "cause", "--data", str(reccon_file.parent), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["pairs"] > 0
    from resonant.skills import PairCauseSkill

    classifier = PairCauseSkill(out)
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
    from resonant_tools.training import encoder

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


def test_train_never_overwrites_the_packaged_weights_unless_asked(capsys, tmp_path, emobank_dir):
    from resonant.skills.vad_regressor import default_weights

    packaged = default_weights()
    before = packaged.read_bytes()
    data_dir = tmp_path / "data"
    args = ["train", "vad", "--data", str(emobank_dir), "--data-dir", str(data_dir)]
    assert main(["train", "vad", "--data", str(emobank_dir), "--out", str(packaged)]) == 2
    assert "add --replace-packaged" in capsys.readouterr().err
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    written = data_dir / "weights" / packaged.name
    assert summary["out"] == str(written) and written.is_file()
    assert packaged.read_bytes() == before
    record = json.loads((data_dir / "weights" / f"{packaged.name}.provenance.json").read_text())
    assert record["command"] == f"resonant train vad --data {emobank_dir}"
    assert record["seed"] == 0 and record["data"][0]["license"] == "CC BY 4.0"
    assert record["metrics"]["holdout_mean_pearson"] == summary["holdout_mean_pearson"]
    import hashlib

    assert record["sha256"] == hashlib.sha256(written.read_bytes()).hexdigest()


def test_every_packaged_weights_file_has_a_provenance_record():
    from importlib.resources import files

    weights = files("resonant.skills") / "weights"
    for name in ("affect_encoder.npz", "emobank_vad_ridge.npz", "goemotions_linear.npz",
                 "reccon_pair_cause.npz"):  # fmt: skip
        record = json.loads((weights / f"{name}.provenance.json").read_text())
        assert {"data", "command", "seed", "metrics", "sha256"} <= set(record), name
        assert all(source["license"] for source in record["data"]), name
        import hashlib

        assert record["sha256"] == hashlib.sha256((weights / name).read_bytes()).hexdigest(), name


@pytest.mark.slow
@pytest.mark.datasets
def test_retraining_the_vad_head_on_emobank_remakes_the_packaged_weights(tmp_path, capsys):
    from resonant.skills.vad_regressor import default_weights
    from tests.conftest import SHARED_DATASETS

    if not (SHARED_DATASETS / "emobank").is_dir():
        pytest.skip("needs ../shared/datasets/emobank")
    out = tmp_path / "vad.npz"
    assert (
        main(["train", "vad", "--data", str(SHARED_DATASETS / "emobank"), "--out", str(out)]) == 0
    )
    fresh, packaged = np.load(out), np.load(default_weights())
    assert sorted(fresh.files) == sorted(packaged.files)
    for key in packaged.files:
        assert np.allclose(fresh[key], packaged[key], atol=1e-6), key
