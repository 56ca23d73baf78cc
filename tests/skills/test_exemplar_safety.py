from pathlib import Path

from resonant.skills import ExemplarSafetySkill, SkillInput
from resonant.skills.exemplar_safety import default_bank

REPO = Path(__file__).resolve().parents[2]


def test_paraphrased_disclosures_are_flagged(embedder):
    detector = ExemplarSafetySkill(embedder=embedder)
    found = detector.detect(
        SkillInput("Lately I keep thinking everyone would be happier if I was gone")
    )
    assert found.flagged
    assert found.category == "suicide"


def test_everyday_sadness_and_idioms_are_not_crises(embedder):
    detector = ExemplarSafetySkill(embedder=embedder)
    for text in ("I had a long day and I'm tired", "This week almost killed me, haha"):
        assert not detector.detect(SkillInput(text)).flagged, text


def test_the_shipped_bank_holds_the_development_set_and_never_the_held_out_one():
    # The bank is crisis training data: evals/REPORT.md calls safety.jsonl scores training
    # scores because of this, and safety_heldout.jsonl must stay out of it.
    bank = set(default_bank().read_text().splitlines())
    assert set((REPO / "evals/suites/safety.jsonl").read_text().splitlines()) <= bank
    held_out = {
        line for line in (REPO / "evals/suites/safety_heldout.jsonl").read_text().splitlines()
    }
    assert not held_out & bank
