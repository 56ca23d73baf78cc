"""TransformerEmotionSkill on a real (tiny) Hugging Face model that the test builds
and saves itself, loaded back through the same path any hub model id would take."""

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from resonant.skills import SkillInput, TransformerEmotionSkill  # noqa: E402

LABELS = ["joy", "sadness", "anger"]


def save_tiny_classifier(folder, problem_type):
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "i", "feel", "sad", "happy", "today"]
    (folder / "vocab.txt").write_text("\n".join(vocab))
    tokenizer = transformers.BertTokenizer(str(folder / "vocab.txt"))
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        problem_type=problem_type,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    with torch.no_grad():
        # Make "sadness" win whatever the text, so the test knows the right answer.
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([0.0, 4.0, -1.0]))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


@pytest.mark.parametrize(
    "problem_type", ["single_label_classification", "multi_label_classification"]
)
def test_detector_reads_labels_and_scores_from_the_model(tmp_path, problem_type):
    save_tiny_classifier(tmp_path, problem_type)
    detector = TransformerEmotionSkill(str(tmp_path))
    found = detector.detect(SkillInput("i feel sad today"))
    assert found.kind == "emotion"
    assert set(found.scores) == set(LABELS)
    assert found.label == "sadness"
    if problem_type == "single_label_classification":
        assert sum(found.scores.values()) == pytest.approx(1.0, abs=1e-4)
    else:
        assert found.scores["sadness"] == pytest.approx(
            torch.sigmoid(torch.tensor(4.0)).item(), abs=1e-4
        )


def test_detector_loads_on_first_use_not_at_construction(tmp_path):
    folder = tmp_path / "model"
    # The folder does not exist yet: constructing the skill must not touch it.
    detector = TransformerEmotionSkill(str(folder))
    folder.mkdir()
    save_tiny_classifier(folder, "single_label_classification")
    assert detector.detect(SkillInput("happy")).label == "sadness"
