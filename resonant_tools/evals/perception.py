"""Eval suites for the agent's perception: every head of the affect encoder on dev/valid
data, with the trivial baselines and the previous default skills printed beside it.

Each suite reads the data through the same skills and fusion the agent runs, so the
numbers are what users get. Nothing here was used to fit or calibrate anything: the
encoder's thresholds and temperature come from slices of the training splits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from resonant.affect import GOEMOTIONS_TO_EKMAN
from resonant.skills.affect_encoder import shared_affect_encoder
from resonant.skills.base import Role, SkillInput, Utterance
from resonant.skills.fusion import fuse_cause, fuse_emotion
from resonant.skills.linear_emotion import LinearEmotionSkill
from resonant.skills.registry import DEFAULT_SKILLS, load_skills, run_skills
from resonant.skills.vad_regressor import RidgeVADSkill, lexicon_features
from resonant_tools.data.features import embed_all
from resonant_tools.data.loaders import (
    DAILYDIALOG_TO_EKMAN,
    NEGATIVE_GOEMOTIONS,
    load_emobank,
    load_goemotions,
    load_reccon,
    load_sdcnl,
)
from resonant_tools.evals.suites import SuiteResult
from resonant_tools.metrics import binary_scores, multilabel_f1, pearson, weighted_f1


def _pct(value: float, n: int) -> str:
    return f"{value:.3f} (n={n})"


def _group(matrix: np.ndarray, columns: list[str], groups: list[str]) -> np.ndarray:
    """Ekman view of a label matrix: a group is present if any of its members is."""
    return np.stack(
        [
            matrix[:, [i for i, n in enumerate(columns) if GOEMOTIONS_TO_EKMAN[n] == g]].any(1)
            for g in groups
        ],
        axis=1,
    )


def goemotions(data: Path, ekman: bool = False) -> SuiteResult:
    examples, names = load_goemotions(data, "dev", view="original")
    texts = [e.text for e in examples]
    readings = shared_affect_encoder().read_many([(t, ()) for t in texts], batch_size=64)
    gold = np.array([[n in e.labels for n in names] for e in examples])
    systems = {
        "ours (affect encoder)": np.array([[n in r.labels for n in names] for r in readings]),
        "baseline: always neutral": np.array([[n == "neutral" for n in names]] * len(texts)),
    }
    linear = LinearEmotionSkill()
    probs = linear.probabilities(texts, embed_all(texts, "embedding GoEmotions dev"))
    systems["previous default (linear MiniLM + TF-IDF)"] = probs >= linear.thresholds
    columns = names
    if ekman:
        groups = sorted(set(GOEMOTIONS_TO_EKMAN.values()))
        gold = _group(gold, names, groups)
        systems = {k: _group(v, names, groups) for k, v in systems.items()}
        columns = groups
    n = len(examples)
    metrics: dict[str, Any] = {"items": n}
    rows: list[tuple[str, str]] = []
    for name, predicted in systems.items():
        scores = multilabel_f1(gold, predicted)
        key = name.split(" ")[0].rstrip(":")
        metrics[f"{key}_macro_f1"], metrics[f"{key}_micro_f1"] = (
            scores["macro_f1"],
            scores["micro_f1"],
        )
        rows += [
            (f"{name}: macro-F1", _pct(float(scores["macro_f1"]), n)),  # type: ignore[arg-type]
            (f"{name}: micro-F1", _pct(float(scores["micro_f1"]), n)),  # type: ignore[arg-type]
        ]
    ours = multilabel_f1(gold, systems["ours (affect encoder)"])
    per_label = dict(zip(columns, ours["per_label_f1"], strict=True))  # type: ignore[call-overload]
    metrics["per_label_f1"] = per_label
    if not ekman:
        rows.append(("macro-F1, BERT-base (Demszky et al. 2020, test)", "0.46"))
    rows += [(f"ours: F1 {label}", f"{value:.3f}") for label, value in per_label.items()]
    view = "Ekman groups" if ekman else "28 labels"
    return SuiteResult(
        title=f"GoEmotions dev, {view}: the affect encoder",
        metrics=metrics,
        rows=rows,
        predictions=[
            {"id": e.id, "labels": list(r.labels)} for e, r in zip(examples, readings, strict=True)
        ],
        plot_values=per_label,
        reference=None if ekman else 0.46,
        reference_label="BERT-base macro-F1 (published)",
        note=f"{n} dev comments. Thresholds and the n-gram mix were chosen on a held-out "
        "tenth of train, never on dev.",
    )


def emobank(data: Path) -> SuiteResult:
    rows_dev = load_emobank(data, "dev")
    texts = [r.text for r in rows_dev]
    readings = shared_affect_encoder().read_many([(t, ()) for t in texts], batch_size=64)
    gold = np.array([(r.vad.v, r.vad.a, r.vad.d) for r in rows_dev])
    systems = {
        "ours (affect encoder)": np.array([(r.vad.v, r.vad.a, r.vad.d) for r in readings]),
        "previous default (ridge on MiniLM + lexicon)": RidgeVADSkill().predict(
            texts, embed_all(texts, "embedding EmoBank dev")
        ),
        "baseline: word-norm lexicon": lexicon_features(texts),
    }
    n = len(rows_dev)
    metrics: dict[str, Any] = {"items": n}
    table, plot = [], {}
    for name, predicted in systems.items():
        key = name.split(" ")[0].rstrip(":")
        for i, axis in enumerate(("valence", "arousal", "dominance")):
            r = pearson(predicted[:, i], gold[:, i])
            metrics[f"{key}_pearson_{axis[0]}"] = r
            table.append((f"{name}: Pearson r {axis}", _pct(r, n)))
            plot[f"{key} r({axis[0].upper()})"] = r
    table.append(("baseline: a constant (the train mean)", "r undefined (0 by convention)"))
    return SuiteResult(
        title="EmoBank dev: valence, arousal, dominance",
        metrics=metrics,
        rows=table,
        predictions=[
            {"id": r.id, "v": p.vad.v, "a": p.vad.a, "d": p.vad.d}
            for r, p in zip(rows_dev, readings, strict=True)
        ],
        plot_values=plot,
        note=f"{n} dev sentences; VAD on [-1, 1] (EmoBank's 1-5 mapped linearly).",
    )


def _dialogue_inputs(
    turns: list[Any], position: int, other: Role = "assistant", window: int = 50
) -> SkillInput:
    """A RECCON turn with the dialogue before it: the speaker is the user, and the other
    party is the agent ("assistant", as in a live chat) or another person ("other", as
    `resonant analyze` reads a transcript)."""
    target = turns[position]
    history = tuple(
        Utterance("user" if t.speaker == target.speaker else other, t.text)
        for t in turns[max(0, position - window) : position]
    )
    return SkillInput(target.text, history)


def reccon_emotion(data: Path) -> SuiteResult:
    """The agent's fused emotion on RECCON's conversational turns (with the dialogue so
    far as context), next to each emotion skill, the previous default and always-neutral."""
    dialogues = load_reccon(data, "valid")
    inputs, gold = [], []
    for turns in dialogues.values():
        for position, turn in enumerate(turns):
            inputs.append(_dialogue_inputs(turns, position))
            gold.append(DAILYDIALOG_TO_EKMAN.get(turn.emotion, turn.emotion))
    default = [s for s in load_skills(DEFAULT_SKILLS) if s.kind == "emotion"]
    previous = load_skills(["linear-emotion", "lexicon-emotion"])
    systems: dict[str, list[str]] = {
        "fused (agent default)": [],
        "previous default skills (linear + lexicon), fused the same way": [],
    }
    for turn in tqdm(inputs, desc="reading RECCON valid", unit="turn"):
        found = run_skills(default, turn)
        systems["fused (agent default)"].append(fuse_emotion(found)["label"])
        old = run_skills(previous, turn)
        systems["previous default skills (linear + lexicon), fused the same way"].append(
            fuse_emotion(old)["label"]
        )
    systems["baseline: always neutral"] = ["neutral"] * len(gold)
    felt = [i for i, label in enumerate(gold) if label != "neutral"]
    metrics: dict[str, Any] = {"turns": len(gold), "emotional_turns": len(felt)}
    rows, plot = [], {}
    for name, predicted in systems.items():
        key = name.split(" ")[0].rstrip(":")
        accuracy = float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)]))
        on_felt = float(np.mean([predicted[i] == gold[i] for i in felt])) if felt else 0.0
        wf1 = weighted_f1(gold, predicted)
        metrics.update(
            {
                f"{key}_weighted_f1": wf1,
                f"{key}_accuracy": accuracy,
                f"{key}_emotional_accuracy": on_felt,
            }
        )
        rows += [
            (f"{name}: weighted F1, all turns", _pct(wf1, len(gold))),
            (f"{name}: accuracy, all turns", _pct(accuracy, len(gold))),
            (f"{name}: accuracy, emotional turns", _pct(on_felt, len(felt))),
        ]
        plot[f"{key} weighted F1"] = wf1
    return SuiteResult(
        title="RECCON (DailyDialog) valid: the user's emotion in conversation",
        metrics=metrics,
        rows=rows,
        predictions=[
            {"text": t.text, "gold": g, "fused": f}
            for t, g, f in zip(inputs, gold, systems["fused (agent default)"], strict=True)
        ],
        plot_values=plot,
        note=f"{len(gold)} turns ({len(felt)} emotional), each read with the dialogue before "
        "it; Ekman labels. The encoder's Ekman temperature was set on held-out train "
        "dialogues; valid was never used for fitting or tuning.",
    )


def reccon_causes(data: Path) -> SuiteResult:
    """Causal turns on RECCON valid: every (emotional target, earlier-or-same turn) pair,
    scored for the encoder's cause head and the trivial rules; and the agent's own path
    (one cause, only for turns it reads as emotional) against the same rule."""
    dialogues = load_reccon(data, "valid")
    encoder = shared_affect_encoder()
    texts = [t.text for turns in dialogues.values() for t in turns]
    readings = dict(
        zip(texts, encoder.read_many([(t, ()) for t in texts], batch_size=64), strict=True)
    )
    probs_list: list[float] = []
    gold_list: list[bool] = []
    keys: list[tuple[str, int, int]] = []
    for dialogue_id, turns in tqdm(dialogues.items(), desc="cause pairs", unit="dialogue"):
        for position, target in enumerate(turns):
            if target.emotion == "neutral":
                continue
            candidates = [
                (c.text, position - i, c.speaker == target.speaker, readings[c.text])
                for i, c in enumerate(turns[: position + 1])
            ]
            probs_list.extend(encoder.cause_probabilities(readings[target.text], candidates))
            for candidate in turns[: position + 1]:
                gold_list.append(candidate.turn in target.cause_turns)
                keys.append((dialogue_id, target.turn, candidate.turn))
    probs, gold = np.array(probs_list), np.array(gold_list)
    systems = {
        "ours": ("ours (encoder cause head)", probs >= encoder.cause_threshold),
        "rule": (
            "baseline: itself + the previous turn",
            np.array([c in (t, t - 1) for _, t, c in keys]),
        ),
        "self": ("baseline: the utterance itself", np.array([t == c for _, t, c in keys])),
    }
    metrics: dict[str, Any] = {"pairs": len(keys), "positive_pairs": int(gold.sum())}
    rows, plot = [], {}
    for key, (name, predicted) in systems.items():
        positive = binary_scores(gold, predicted)["f1"]
        macro = (positive + binary_scores(~gold, ~predicted)["f1"]) / 2
        metrics[f"{key}_positive_f1"], metrics[f"{key}_macro_f1"] = positive, macro
        rows += [
            (f"{name}: positive F1, all pairs", _pct(positive, len(keys))),
            (f"{name}: macro F1, all pairs", _pct(macro, len(keys))),
        ]
        plot[f"{key} positive F1"] = positive
    paths: tuple[tuple[str, Role, str], ...] = (
        ("agent_path", "assistant", "the agent's path (the other speaker as the agent)"),
        ("analyze_path", "other", "the analyze path (the other speaker as a person)"),
    )
    for key, other, name in paths:
        ours, rule, n = _agent_cause_path(dialogues, other)
        metrics[f"{key}_positive_f1"], metrics[f"{key}_rule_positive_f1"] = ours, rule
        rows += [
            (f"{name}: one cause per emotional turn, positive F1", _pct(ours, n)),
            ("baseline on the same turns: itself + the previous turn", _pct(rule, n)),
        ]
    rows += [
        (
            "RoBERTa-base causal pair (Poria et al. 2021, test): positive / macro F1",
            "0.643 / 0.765",
        ),
        ("SpanBERT span F1 (Poria et al. 2021, test)", "0.757"),
    ]
    return SuiteResult(
        title="RECCON (DailyDialog) valid: which turn caused the feeling",
        metrics=metrics,
        rows=rows,
        predictions=[
            {"dialogue": d, "target": t, "candidate": c, "p": round(float(p), 4)}
            for (d, t, c), p in zip(keys, probs, strict=True)
        ],
        plot_values=plot,
        note=f"{len(keys)} (target, candidate) pairs of the emotional turns of valid. The "
        "head's threshold was chosen on held-out train dialogues.",
    )


def _agent_cause_path(dialogues: dict[str, list[Any]], other: Role) -> tuple[float, float, int]:
    """One cause per turn, as the agent picks it (after fusion), against gold causes:
    (positive F1, the itself+previous rule's positive F1 on the same turns, turns)."""
    skills = [s for s in load_skills(DEFAULT_SKILLS) if s.kind in ("emotion", "cause")]
    ours: list[set[int]] = []
    rule: list[set[int]] = []
    gold: list[set[int]] = []
    for turns in tqdm(dialogues.values(), desc="agent cause path", unit="dialogue"):
        for position, turn in enumerate(turns):
            if turn.emotion == "neutral":
                continue
            inputs = _dialogue_inputs(turns, position, other)
            found = run_skills(skills, inputs)
            emotion = fuse_emotion(found)
            history = [{"role": u.role, "content": u.text} for u in inputs.history]
            cause = fuse_cause(found, emotion, inputs.text, history)
            chosen = {turn.turn + cause["turn_offset"]} if cause else set()
            ours.append(chosen)
            rule.append({turn.turn, turn.turn - 1} - {0})
            gold.append(set(turn.cause_turns))

    def positive_f1(predicted: list[set[int]]) -> float:
        tp = sum(len(p & g) for p, g in zip(predicted, gold, strict=True))
        fp = sum(len(p - g) for p, g in zip(predicted, gold, strict=True))
        fn = sum(len(g - p) for p, g in zip(predicted, gold, strict=True))
        return 2 * tp / max(1, 2 * tp + fp + fn)

    return positive_f1(ours), positive_f1(rule), len(gold)


def crisis(data: Path) -> SuiteResult:
    """Crisis detection on real posts and ordinary negative text: recall on held-out
    r/SuicideWatch posts (SDCNL train, the slice the encoder never fitted), false alarms
    on GoEmotions dev comments and RECCON valid turns that carry negative feelings."""
    from resonant.skills.fusion import fuse_safety
    from resonant_tools.data.splits import SDCNL_SEED, split_indices

    root = data
    posts = load_sdcnl(root / "sdcnl")
    _, held = split_indices(len(posts), SDCNL_SEED)
    suicide = [posts[i][0] for i in held if posts[i][1]]
    depression = [posts[i][0] for i in held if not posts[i][1]]
    comments, _ = load_goemotions(root / "goemotions", "dev")
    negative_comments = [e.text for e in comments if NEGATIVE_GOEMOTIONS & set(e.labels)]
    negative_turns = [
        t.text
        for turns in load_reccon(root / "reccon", "valid").values()
        for t in turns
        if DAILYDIALOG_TO_EKMAN.get(t.emotion) in {"sadness", "anger", "fear", "disgust"}
    ]
    skills = [s for s in load_skills(DEFAULT_SKILLS) if s.kind == "safety"]
    sets = {
        "suicidewatch": ("held-out r/SuicideWatch posts (recall)", suicide),
        "depression": ("held-out r/depression posts (flag rate)", depression),
        "goemotions": (
            "GoEmotions dev, negative-emotion comments (false alarms)",
            negative_comments,
        ),
        "reccon": ("RECCON valid, negative-emotion turns (false alarms)", negative_turns),
    }
    metrics: dict[str, Any] = {}
    rows, plot = [], {}
    for key, (name, texts) in sets.items():
        shared_affect_encoder().read_many([(t, ()) for t in texts], batch_size=64)
        flags: dict[str, list[bool]] = {"fused": [], **{s.name: [] for s in skills}}
        for text in tqdm(texts, desc=key, unit="text"):
            found = run_skills(skills, SkillInput(text))
            flags["fused"].append(fuse_safety(found)["flagged"])
            for reading in found:
                flags[reading["skill"]].append(reading["flagged"])
        for system, flagged in flags.items():
            rate = float(np.mean(flagged)) if flagged else 0.0
            metrics[f"{key}_{system}_flag_rate"] = rate
            label = "fused (agent default)" if system == "fused" else f"{system} alone"
            rows.append((f"{name}: {label}", _pct(rate, len(texts))))
        plot[key] = float(np.mean(flags["fused"]))
    rows.append(("baseline: never flag (recall 0, false alarms 0)", "-"))
    return SuiteResult(
        title="Crisis detection: real posts and ordinary negative text",
        metrics=metrics,
        rows=rows,
        predictions=[],
        plot_values=plot,
        note="The crisis threshold was set so that at most 1% of held-out train comments "
        "with negative feelings are flagged; none of these texts were used to fit it.",
    )
