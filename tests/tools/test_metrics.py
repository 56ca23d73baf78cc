import numpy as np
import pytest

from resonant_tools.metrics import binary_scores, multilabel_f1, pearson, token_f1, word_errors


def test_multilabel_f1_macro_and_micro():
    gold = np.array([[1, 0], [1, 1], [0, 1]], dtype=bool)
    pred = np.array([[1, 0], [0, 1], [0, 0]], dtype=bool)
    scores = multilabel_f1(gold, pred)
    assert scores["per_label_f1"] == pytest.approx([2 / 3, 2 / 3])
    assert scores["macro_f1"] == pytest.approx(2 / 3)
    assert scores["micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 0 + 2))


def test_pearson_and_degenerate_input():
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 1, 1], [1, 2, 3]) == 0.0


def test_binary_scores():
    scores = binary_scores([True, True, False, False], [True, False, True, False])
    assert scores == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2.0}


def test_token_f1_is_overlap_based():
    assert token_f1("my dog died", "my dog died") == 1.0
    assert token_f1("the weather", "my dog died") == 0.0
    assert token_f1("my dog", "my dog died") == pytest.approx(0.8)


def test_word_errors_count_edits_against_the_reference_words():
    assert word_errors("I lost my job today.", "i lost my job today") == (0, 5)
    # One substitution (job -> dog), one deletion (today), one insertion (again).
    assert word_errors("I lost my job today", "I lost my dog") == (2, 5)
    assert word_errors("I can't sleep", "I can't sleep again") == (1, 3)
    assert word_errors("", "hello") == (1, 0)
