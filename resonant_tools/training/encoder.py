"""Fine-tune the affect encoder shipped as `AffectEncoder`, then calibrate it.

Multi-task fine-tuning of all-MiniLM-L6-v2 on CPU: every batch comes from one task —
GoEmotions (28 labels; its single-group comments also teach the Ekman head), EmoBank
(VAD), RECCON/DailyDialog (Ekman in conversation, the turn with up to three earlier
turns) or crisis (SDCNL r/SuicideWatch posts and the hand-written bank as positives;
ordinary negative-emotion comments, EmoBank sentences and the bank's hard negatives as
negatives). Every non-crisis batch also teaches the crisis head "none", at low weight.

Seeded and resumable: a checkpoint is written every `CHECKPOINT_EVERY` steps to the work
folder and `train` continues from the newest one. Slices of each training set are held
out from fitting (never dev/valid) to choose thresholds, the Ekman temperature, the
crisis threshold and the cause head's threshold in `export`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from resonant.affect import EKMAN_LABELS, GOEMOTIONS_TO_EKMAN
from resonant.skills.affect_encoder import (
    CONTEXT_TURNS,
    CRISIS_CLASSES,
    MAX_TOKENS,
    CauseHead,
    build_network,
    cause_features,
    sigmoid,
    softmax,
    trainable_state,
    with_context,
)
from resonant.skills.exemplar_safety import default_bank
from resonant_tools.data.loaders import (
    DAILYDIALOG_TO_EKMAN,
    NEGATIVE_GOEMOTIONS,
    load_emobank,
    load_goemotions,
    load_reccon,
    load_safety_cases,
    load_sdcnl,
)
from resonant_tools.data.splits import SDCNL_SEED, split_indices
from resonant_tools.metrics import binary_scores, pearson
from resonant_tools.training.cause import emotional_pairs

SEED = 0
# The data each weights file is trained from, with licenses (its provenance record).
SOURCES = (
    {
        "dataset": "GoEmotions (Demszky et al. 2020)",
        "split": "train, 90% fit / 10% held out",
        "license": "Apache-2.0",
    },
    {
        "dataset": "EmoBank (Buechel & Hahn 2017)",
        "split": "train, 90% fit / 10% held out",
        "license": "CC BY 4.0",
    },
    {
        "dataset": "RECCON / DailyDialog (Poria et al. 2021)",
        "split": "train, 90% of dialogues fit",
        "license": "CC BY-NC-SA 4.0",
    },
    {
        "dataset": "SDCNL (Haque et al. 2021)",
        "split": "train, 90% fit",
        "license": "no license stated; research use",
    },
    {
        "dataset": "resonant safety exemplar bank",
        "split": "all",
        "license": "Apache-2.0 (this project)",
    },
)
HOLDOUT = 0.1
BATCH = 32
EPOCHS = 3
ENCODER_LR = 4e-5
HEAD_LR = 1e-3
WARMUP = 0.06
CHECKPOINT_EVERY = 200
CRISIS_REPEATS = 2  # the crisis set is small: each epoch sees it this many times
BUCKET = 50  # batches per length bucket: batches of similar length waste less padding
PSEUDO_POSTS = 600  # long negatives: several ordinary negative comments run together
BACKGROUND_CRISIS_WEIGHT = 0.2
CONTEXT_DROPOUT = 0.2  # share of conversational turns also seen without context


@dataclass
class Example:
    text: str
    goemotions: list[int] | None = None  # label ids present
    ekman: int = -1
    vad: tuple[float, float, float] | None = None
    crisis: int = 0
    crisis_weight: float = BACKGROUND_CRISIS_WEIGHT
    meta: dict[str, Any] = field(default_factory=dict)


def goemotions_examples(data: Path) -> tuple[list[Example], list[Example], list[str]]:
    """GoEmotions train split into (fit, held out); the same split as the linear skill."""
    examples, labels = load_goemotions(data / "goemotions", "train")
    built = []
    for e in examples:
        groups = {GOEMOTIONS_TO_EKMAN[label] for label in e.labels}
        built.append(
            Example(
                e.text,
                goemotions=[labels.index(label) for label in e.labels],
                ekman=EKMAN_LABELS.index(groups.pop()) if len(groups) == 1 else -1,
                meta={"labels": e.labels},
            )
        )
    fit, held = split_indices(len(built), SEED)
    return [built[i] for i in fit], [built[i] for i in held], labels


def emobank_examples(data: Path) -> tuple[list[Example], list[Example]]:
    rows = load_emobank(data / "emobank", "train")
    built = [Example(r.text, vad=(r.vad.v, r.vad.a, r.vad.d)) for r in rows]
    fit, held = split_indices(len(built), SEED)
    return [built[i] for i in fit], [built[i] for i in held]


def reccon_dialogues(data: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """RECCON train dialogues split by dialogue into (fit, held out)."""
    dialogues = load_reccon(data / "reccon", "train")
    ids = sorted(dialogues)
    fit, held = split_indices(len(ids), SEED)
    return {ids[i]: dialogues[ids[i]] for i in fit}, {ids[i]: dialogues[ids[i]] for i in held}


def conversation_examples(
    dialogues: dict[str, Any], rng: random.Random, dropout: float = CONTEXT_DROPOUT
) -> list[Example]:
    """Each emotion-labelled turn with up to three earlier turns as context; a share
    `dropout` of them also without context, as the first turns of a chat are read."""
    built = []
    for dialogue_id, turns in dialogues.items():
        for pos, turn in enumerate(turns):
            emotion = DAILYDIALOG_TO_EKMAN.get(turn.emotion)
            if emotion is None:
                continue
            context = [t.text for t in turns[max(0, pos - CONTEXT_TURNS) : pos]]
            label = EKMAN_LABELS.index(emotion)
            meta = {"dialogue": dialogue_id, "turn": turn.turn}
            built.append(Example(with_context(turn.text, context), ekman=label, meta=meta))
            if context and rng.random() < dropout:
                built.append(Example(turn.text, ekman=label, meta=meta))
    return built


def crisis_examples(
    data: Path, goemotions_fit: list[Example], rng: random.Random
) -> tuple[list[Example], list[Example], list[Example], list[Example]]:
    """(fit, held-out r/SuicideWatch, held-out r/depression, r/depression to fit) for the
    crisis head.

    r/depression posts are left out of fine-tuning: many voice the same wishes as
    r/SuicideWatch posts, so their subreddit is a noisy label of risk. The crisis refit
    in `export` uses them as negatives and bounds their flag rate (`_crisis_head`).
    """
    posts = load_sdcnl(data / "sdcnl")
    _, held_idx = split_indices(len(posts), SDCNL_SEED)
    held_set = set(held_idx.tolist())
    suicide = CRISIS_CLASSES.index("suicide")
    fit = [
        Example(text, crisis=suicide, crisis_weight=1.0)
        for i, (text, is_suicide) in enumerate(posts)
        if is_suicide and i not in held_set
    ]
    held = [
        Example(text, crisis=suicide, meta={"source": "sdcnl-suicidewatch"})
        for i, (text, is_suicide) in enumerate(posts)
        if is_suicide and i in held_set
    ]
    depression = [
        Example(text, meta={"source": "sdcnl-depression"})
        for i, (text, is_suicide) in enumerate(posts)
        if not is_suicide and i in held_set
    ]
    depression_fit = [
        Example(text, crisis=0, crisis_weight=1.0)
        for i, (text, is_suicide) in enumerate(posts)
        if not is_suicide and i not in held_set
    ]
    for case in load_safety_cases(default_bank()):
        label = CRISIS_CLASSES.index(case.category) if case.crisis and case.category else 0
        fit.append(Example(case.text, crisis=label, crisis_weight=1.0))
    negative = [e for e in goemotions_fit if NEGATIVE_GOEMOTIONS & set(e.meta["labels"])]
    rng.shuffle(negative)
    for e in negative[:2000]:
        fit.append(Example(e.text, crisis=0, crisis_weight=1.0))
    # Every r/SuicideWatch post is long, and no short comment is: without long ordinary
    # negatives the head would learn that length means risk.
    pool = negative[2000:]
    for _ in range(PSEUDO_POSTS if len(pool) >= 8 else 0):
        parts = rng.sample(pool, rng.randint(4, 8))
        fit.append(Example(" ".join(e.text for e in parts), crisis=0, crisis_weight=1.0))
    return fit, held, depression, depression_fit


def _batches(tasks: dict[str, list[Example]], epoch: int) -> list[tuple[str, list[int]]]:
    """One epoch's schedule: single-task batches in a seeded random order."""
    rng = random.Random(SEED * 1000 + epoch)
    schedule = []
    for name, examples in tasks.items():
        repeats = CRISIS_REPEATS if name == "crisis" else 1
        for _ in range(repeats):
            order = list(range(len(examples)))
            rng.shuffle(order)
            for start in range(0, len(order), BATCH * BUCKET):
                bucket = sorted(
                    order[start : start + BATCH * BUCKET], key=lambda i: len(examples[i].text)
                )
                schedule += [(name, bucket[i : i + BATCH]) for i in range(0, len(bucket), BATCH)]
    rng.shuffle(schedule)
    return schedule


def _loss(torch: Any, out: dict[str, Any], batch: list[Example], vad_stats: Any) -> Any:
    functional = torch.nn.functional
    total = torch.zeros(())
    if batch[0].goemotions is not None:
        target = torch.zeros(len(batch), out["goemotions"].shape[1])
        for i, e in enumerate(batch):
            target[i, e.goemotions] = 1.0
        total = total + functional.binary_cross_entropy_with_logits(out["goemotions"], target)
    ekman = torch.tensor([e.ekman for e in batch])
    if (ekman >= 0).any():
        total = total + functional.cross_entropy(out["ekman"], ekman, ignore_index=-1)
    if batch[0].vad is not None:
        target = (torch.tensor([e.vad for e in batch]) - vad_stats[0]) / vad_stats[1]
        total = total + functional.mse_loss(out["vad"], target.float())
    crisis = torch.tensor([e.crisis for e in batch])
    weights = torch.tensor([e.crisis_weight for e in batch])
    per_item = functional.cross_entropy(out["crisis"], crisis, reduction="none")
    return total + (per_item * weights).mean()


def _tokenize(tokenizer: Any, texts: list[str]) -> Any:
    return tokenizer(
        texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
    )


def prepare(data: Path) -> dict[str, Any]:
    """Every task's fit and held-out examples, deterministic for a given dataset folder."""
    rng = random.Random(SEED)
    go_fit, go_held, go_labels = goemotions_examples(data)
    eb_fit, eb_held = emobank_examples(data)
    dd_fit, dd_held = reccon_dialogues(data)
    crisis_fit, crisis_held, depression_held, depression_fit = crisis_examples(data, go_fit, rng)
    vad_targets = np.array([e.vad for e in eb_fit], dtype=np.float32)
    return {
        "tasks": {
            "goemotions": go_fit,
            "emobank": eb_fit,
            "conversation": conversation_examples(dd_fit, rng),
            "crisis": crisis_fit,
        },
        "held": {
            "goemotions": go_held,
            "emobank": eb_held,
            "reccon_dialogues": dd_held,
            "reccon_fit_dialogues": dd_fit,
            "crisis": crisis_held,
            "depression": depression_held,
        },
        # Not a fine-tuning task (see `crisis_examples`); the crisis refit reads them.
        "depression_fit": depression_fit,
        "goemotion_labels": go_labels,
        "vad_stats": np.array(
            [np.mean(vad_targets, axis=0), np.std(vad_targets, axis=0)], dtype=np.float32
        ),
    }


def finetune(data: str | Path, work: str | Path, epochs: int = EPOCHS) -> Path:
    """Fine-tune, checkpointing into `work`; resumes from the newest checkpoint there.

    Returns the final checkpoint's path.
    """
    import torch
    from transformers import AutoTokenizer

    from resonant.embedding import packaged_minilm_path

    torch.manual_seed(SEED)
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    prepared = prepare(Path(data))
    tasks: dict[str, list[Example]] = prepared["tasks"]
    vad_stats = torch.from_numpy(prepared["vad_stats"])
    base = packaged_minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    network = build_network(base)
    network.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    heads = [p for n, p in network.named_parameters() if not n.startswith("encoder.")]
    body = [
        p for n, p in network.named_parameters() if n.startswith("encoder.") and p.requires_grad
    ]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": ENCODER_LR}, {"params": heads, "lr": HEAD_LR}],
        weight_decay=0.01,
    )
    per_epoch = len(_batches(tasks, 0))
    total_steps = per_epoch * epochs
    warmup = int(total_steps * WARMUP)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    step = 0
    latest = work / "checkpoint.pt"
    if latest.exists():
        saved = torch.load(latest, weights_only=False)
        network.load_state_dict(saved["network"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        step = int(saved["step"])
        torch.set_rng_state(saved["torch_rng"])
    log = (work / "progress.log").open("a", encoding="utf-8")
    network.train()
    bar = tqdm(total=total_steps, initial=step, desc="fine-tuning", unit="batch", file=log)
    running: dict[str, float] = {}
    while step < total_steps:
        epoch, position = divmod(step, per_epoch)
        task, indices = _batches(tasks, epoch)[position]
        batch = [tasks[task][i] for i in indices]
        encoded = _tokenize(tokenizer, [e.text for e in batch])
        out = network(encoded["input_ids"], encoded["attention_mask"])
        loss = _loss(torch, out, batch, vad_stats)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        step += 1
        value = loss.item()
        running[task] = 0.98 * running.get(task, value) + 0.02 * value
        bar.update(1)
        bar.set_postfix({k: f"{v:.3f}" for k, v in running.items()}, refresh=False)
        if step % CHECKPOINT_EVERY == 0 or step == total_steps:
            _checkpoint(torch, latest, network, optimizer, scheduler, step)
            log.write(f"\nstep {step}/{total_steps} epoch {epoch} losses {json.dumps(running)}\n")
            log.flush()
    bar.close()
    log.close()
    return latest


def _checkpoint(
    torch: Any, path: Path, network: Any, optimizer: Any, scheduler: Any, step: int
) -> None:
    partial = path.with_suffix(".tmp")
    torch.save(
        {
            "network": network.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "step": step,
            "torch_rng": torch.get_rng_state(),
        },
        partial,
    )
    partial.replace(path)  # a crash mid-write never leaves a broken checkpoint


def steps_per_epoch(data: str | Path) -> int:
    return len(_batches(prepare(Path(data))["tasks"], 0))


MIXES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
TEMPERATURES = np.arange(0.5, 3.01, 0.05)
# Budgets for the crisis threshold, on held-out text: ordinary negative feeling may be
# flagged at most this often (the goal is <= 2% on unseen text; half of it is margin)...
CRISIS_FALSE_ALARMS = 0.01
# ...and at most this share of r/depression posts: many voice the same wishes as
# r/SuicideWatch posts, so some must be flagged, but a head that flags nearly all of
# them detects talk about one's mental health, not risk.
DEPRESSION_FLAGS = 0.6
CRISIS_THRESHOLDS = np.round(np.arange(0.2, 0.951, 0.05), 2)
# Lines of chat have their own crisis layer; ordinary ones (any feeling) may reach its
# threshold at most this often.
SHORT_FALSE_ALARMS = 0.005


class _Reader:
    """Batched inference with a network under calibration (no thresholds applied yet)."""

    def __init__(self, network: Any, tokenizer: Any, torch: Any):
        self.network, self.tokenizer, self.torch = network, tokenizer, torch

    def __call__(self, texts: Sequence[str], desc: str) -> dict[str, np.ndarray]:
        if not texts:  # keep the output's shapes: one pass over a placeholder, then none
            return {key: value[:0] for key, value in self([""], desc).items()}
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts: dict[str, list[np.ndarray]] = {}
        for start in tqdm(range(0, len(order), 64), desc=desc, unit="batch"):
            chunk = [texts[i] for i in order[start : start + 64]]
            encoded = _tokenize(self.tokenizer, chunk)
            with self.torch.inference_mode():
                out = self.network(encoded["input_ids"], encoded["attention_mask"])
            for key, value in out.items():
                parts.setdefault(key, []).append(value.float().numpy())
        inverse = np.argsort(order)
        return {key: np.concatenate(value)[inverse] for key, value in parts.items()}


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _goemotions_calibration(
    read: _Reader, held: list[Example], labels: list[str]
) -> tuple[dict[str, Any], dict[str, float]]:
    from resonant.skills.linear_emotion import LinearEmotionSkill
    from resonant_tools.training.emotion import best_thresholds

    texts = [e.text for e in held]
    gold = np.zeros((len(held), len(labels)), dtype=bool)
    for i, e in enumerate(held):
        gold[i, e.goemotions or []] = True
    encoder_probs = sigmoid(read(texts, "GoEmotions held-out")["goemotions"])
    ngram_probs = LinearEmotionSkill().ngram_probabilities(texts)
    scored = {
        mix: best_thresholds(gold, mix * encoder_probs + (1 - mix) * ngram_probs) for mix in MIXES
    }
    mix = max(scored, key=lambda m: scored[m][1])
    thresholds, macro_f1 = scored[mix]
    report = {"goemotions_heldout_macro_f1": macro_f1, "goemotions_ngram_mix": 1 - mix}
    report["goemotions_heldout_macro_f1_encoder_alone"] = scored[1.0][1]
    return {"goemotions_thresholds": thresholds, "goemotions_mix": np.float32(mix)}, report


def _ekman_temperature(read: _Reader, dialogues: dict[str, Any]) -> tuple[float, float]:
    examples = conversation_examples(dialogues, random.Random(SEED), dropout=0.0)
    logits = read([e.text for e in examples], "RECCON held-out")["ekman"]
    gold = np.array([e.ekman for e in examples])

    def nll(temperature: float) -> float:
        return float(-_log_softmax(logits / temperature)[np.arange(len(gold)), gold].mean())

    best = float(min(TEMPERATURES, key=nll))
    accuracy = float((logits.argmax(axis=1) == gold).mean())
    return best, accuracy


def _share(flags: np.ndarray) -> float:
    """The share of True in `flags` (0 for none: tiny data can leave a set empty)."""
    return float(flags.mean()) if len(flags) else 0.0


def _crisis_risk(logits: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 - softmax(logits)[:, 0]
    return result


def _conversational_negatives(dialogues: dict[str, Any]) -> list[Example]:
    """Ordinary negative feelings in everyday dialogue (DailyDialog turns labelled sad,
    angry, afraid or disgusted): first-person hardship that is no crisis."""
    return [
        Example(turn.text, crisis=0, crisis_weight=1.0)
        for turns in dialogues.values()
        for turn in turns
        if DAILYDIALOG_TO_EKMAN.get(turn.emotion) in {"sadness", "anger", "fear", "disgust"}
    ]


def _crisis_head(
    read: _Reader, network: Any, prepared: dict[str, Any]
) -> tuple[float, dict[str, float]]:
    """Keep the fine-tuned crisis head or refit it, and choose the threshold: the most
    held-out r/SuicideWatch posts flagged, subject to two budgets on held-out text —
    ordinary negative feeling (`CRISIS_FALSE_ALARMS`) and r/depression posts
    (`DEPRESSION_FLAGS`).

    The fine-tuned head learned "a long, first-person post about one's life" as much as
    "a plan to die": it flags nearly every r/depression post and ordinary laments about
    work or loneliness. The refit, a multinomial logistic regression on the fine-tuned
    turn vectors, adds what fine-tuning never saw as negatives: r/depression posts of the
    fitting split and everyday negative dialogue turns. Written into the network's
    crisis layer, it is exactly that regression at run time.
    """
    import torch
    from sklearn.linear_model import LogisticRegression

    held = prepared["held"]
    # Held-out ordinary negative text of both registers: Reddit comments and everyday
    # dialogue turns (the RECCON dialogues that no head was fitted on).
    negatives = [e for e in held["goemotions"] if NEGATIVE_GOEMOTIONS & set(e.meta["labels"])]
    negatives += _conversational_negatives(held["reccon_dialogues"])
    fit = (
        prepared["tasks"]["crisis"]
        + _conversational_negatives(held["reccon_fit_dialogues"])
        + prepared["depression_fit"]
    )
    fit_out = read([e.text for e in fit], "crisis fit set")
    model = LogisticRegression(C=1.0, max_iter=3000, random_state=SEED)
    model.fit(fit_out["pooled"], [e.crisis for e in fit])
    weight = np.zeros((len(CRISIS_CLASSES), fit_out["pooled"].shape[1]), dtype=np.float32)
    bias = np.full(len(CRISIS_CLASSES), -20.0, dtype=np.float32)  # classes it never saw
    weight[model.classes_] = model.coef_
    bias[model.classes_] = model.intercept_

    sets = {
        "positives": held["crisis"],
        "negatives": negatives,
        "depression": held["depression"],
    }
    outs = {
        name: read([e.text for e in examples], f"crisis {name}") for name, examples in sets.items()
    }
    heads = {
        "fine-tuned": {name: out["crisis"] for name, out in outs.items()},
        "refit": {name: out["pooled"] @ weight.T + bias for name, out in outs.items()},
    }
    options = []  # (recall, threshold, head, flag rates)
    for head, logits in heads.items():
        risk = {name: _crisis_risk(value) for name, value in logits.items()}
        for threshold in CRISIS_THRESHOLDS:
            rates = {name: _share(value >= threshold) for name, value in risk.items()}
            if (
                rates["negatives"] <= CRISIS_FALSE_ALARMS
                and rates["depression"] <= DEPRESSION_FLAGS
            ):
                options.append((rates["positives"], float(threshold), head, rates))
    if not options:  # only tiny test data gets here
        options.append((0.0, 0.5, "fine-tuned", dict.fromkeys(sets, 0.0)))
    recall, threshold, chosen, rates = max(options, key=lambda o: (o[0], o[1]))
    if chosen == "refit":
        with torch.no_grad():
            network.crisis.weight.copy_(torch.from_numpy(weight))
            network.crisis.bias.copy_(torch.from_numpy(bias))
    return threshold, {
        "crisis_head_refit": float(chosen == "refit"),
        "crisis_threshold": threshold,
        "crisis_heldout_recall": recall,
        "crisis_heldout_false_alarms": rates["negatives"],
        "crisis_heldout_positives": float(len(sets["positives"])),
        "crisis_heldout_negatives": float(len(negatives)),
        "depression_heldout_flag_rate": rates["depression"],
    }


def _short_crisis_layer(
    read: _Reader, prepared: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, float]]:
    """A crisis layer for lines of chat (under `CRISIS_MIN_WORDS` words), where the main
    layer, taught by long posts, is erratic: a class-balanced logistic regression on the
    fine-tuned vectors, the hand-written bank's disclosures against ordinary short texts
    (GoEmotions comments, DailyDialog turns and EmoBank sentences of the fitting splits).

    Its threshold: the lowest whose false alarms on held-out comments and dialogue turns
    (any feeling) stay within `SHORT_FALSE_ALARMS`; recall is estimated by 5-fold
    cross-validation over the bank, the only short disclosures there are.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    rng = random.Random(SEED)
    bank = [(c.text, c.crisis) for c in load_safety_cases(default_bank())]
    comments = prepared["tasks"]["goemotions"]
    ordinary = [e.text for e in rng.sample(comments, min(8000, len(comments)))]
    ordinary += [
        t.text for turns in prepared["held"]["reccon_fit_dialogues"].values() for t in turns
    ]
    ordinary += [e.text for e in prepared["tasks"]["emobank"]]
    texts = [t for t, _ in bank] + ordinary
    labels = np.array([crisis for _, crisis in bank] + [False] * len(ordinary))
    vectors = read(texts, "short crisis fit set")["pooled"]
    held = prepared["held"]
    held_texts = [e.text for e in held["goemotions"]] + [
        t.text for turns in held["reccon_dialogues"].values() for t in turns
    ]
    held_vectors = read(held_texts, "short held-out turns")["pooled"]

    def fitted(x: np.ndarray, y: np.ndarray) -> Any:
        model = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced", random_state=SEED)
        return model.fit(x, y)

    cross = np.zeros(len(bank))
    in_bank = np.arange(len(bank))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train, test in folds.split(in_bank, labels[: len(bank)]):
        keep = np.concatenate([train, np.arange(len(bank), len(texts))])
        cross[test] = fitted(vectors[keep], labels[keep]).predict_proba(vectors[test])[:, 1]
    model = fitted(vectors, labels)
    held_risk = model.predict_proba(held_vectors)[:, 1]
    threshold = float(min(0.99, max(0.5, np.quantile(held_risk, 1.0 - SHORT_FALSE_ALARMS))))
    positives = labels[: len(bank)]
    return {
        "crisis_short_weight": model.coef_[0].astype(np.float32),
        "crisis_short_bias": np.float32(model.intercept_[0]),
        "crisis_short_threshold": np.float32(threshold),
    }, {
        "crisis_short_threshold": threshold,
        "crisis_short_bank_cv_recall": float((cross[positives] >= threshold).mean()),
        "crisis_short_bank_cv_false_alarms": float((cross[~positives] >= threshold).mean()),
        "crisis_short_heldout_false_alarms": float((held_risk >= threshold).mean()),
        "crisis_short_heldout_turns": float(len(held_texts)),
    }


def cause_pairs(
    read: _Reader, dialogues: dict[str, Any], temperature: float, desc: str
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int, int]]]:
    """Cause-head features, labels and (dialogue, target, candidate) of every pair of an
    emotional turn with itself or an earlier turn, each turn read alone."""
    texts = [t.text for turns in dialogues.values() for t in turns]
    out = read(texts, desc)
    ekman = softmax(out["ekman"] / temperature)
    rows, labels, keys = [], [], []
    index = 0
    for dialogue_id, turns in dialogues.items():
        vectors, feelings = (
            out["pooled"][index : index + len(turns)],
            ekman[index : index + len(turns)],
        )
        index += len(turns)
        for target_pos, target, cand_pos, candidate in emotional_pairs(turns):
            rows.append(
                cause_features(
                    vectors[target_pos],
                    feelings[target_pos],
                    candidate.text,
                    target_pos - cand_pos,
                    candidate.speaker == target.speaker,
                    vectors[cand_pos],
                    feelings[cand_pos],
                )
            )
            labels.append(candidate.turn in target.cause_turns)
            keys.append((dialogue_id, target.turn, candidate.turn))
    return np.stack(rows), np.array(labels), keys


def _positive_f1(probs: np.ndarray, gold: np.ndarray, threshold: float) -> float:
    return binary_scores(gold, probs >= threshold)["f1"]


def _forest_head(model: Any) -> CauseHead:
    """A fitted HistGradientBoostingClassifier (binary) flattened into a `CauseHead`."""
    trees = [predictors[0].nodes for predictors in model._predictors]
    offsets = np.cumsum([0] + [len(nodes) for nodes in trees[:-1]])
    nodes = np.concatenate(trees)
    shift = np.repeat(offsets, [len(n) for n in trees])
    return CauseHead(
        bias=float(np.ravel(model._baseline_prediction)[0]),
        roots=offsets.astype(np.int32),
        feature=nodes["feature_idx"].astype(np.int32),
        threshold=nodes["num_threshold"].astype(np.float64),
        left=(nodes["left"] + shift).astype(np.int32),
        right=(nodes["right"] + shift).astype(np.int32),
        value=nodes["value"].astype(np.float64),
        leaf=nodes["is_leaf"].astype(bool),
    )


def _cause_head(
    read: _Reader, fit: dict[str, Any], held: dict[str, Any], temperature: float
) -> tuple[dict[str, Any], dict[str, float]]:
    """A logistic regression and a forest of gradient-boosted trees over the pair
    features; the one with the better held-out positive F1 ships, with its threshold."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    x_fit, y_fit, _ = cause_pairs(read, fit, temperature, "cause pairs (fit)")
    x_held, y_held, _ = cause_pairs(read, held, temperature, "cause pairs (held out)")
    mean, scale = x_fit.mean(axis=0), x_fit.std(axis=0) + 1e-6
    linear = LogisticRegression(C=0.5, max_iter=3000, class_weight="balanced", random_state=SEED)
    linear.fit((x_fit - mean) / scale, y_fit)
    forest = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=SEED)
    forest.fit(x_fit, y_fit)
    # Standardising folds into the weights: (x - mean) / scale . w = x . (w / scale) - c.
    weights = linear.coef_[0] / scale
    candidates = {
        "logistic": CauseHead(
            weights=weights.astype(np.float32),
            bias=float(linear.intercept_[0] - mean @ weights),
        ),
        "forest": _forest_head(forest),
    }
    exported = candidates["forest"].probabilities(x_held)
    if not np.allclose(exported, forest.predict_proba(x_held)[:, 1], atol=1e-4):
        raise RuntimeError("the flattened forest disagrees with the fitted one")
    grid = np.arange(0.05, 0.95, 0.01)
    scored = {}
    for name, head in candidates.items():
        probs = head.probabilities(x_held)
        threshold = float(max(grid, key=lambda t: _positive_f1(probs, y_held, t)))
        scored[name] = (_positive_f1(probs, y_held, threshold), threshold)
    chosen = max(scored, key=lambda name: scored[name][0])
    f1, threshold = scored[chosen]
    rule = _positive_f1(x_held[:, 0] + x_held[:, 1], y_held, 0.5)  # distance 0 or 1
    arrays = {**candidates[chosen].to_arrays(), "cause_threshold": np.float32(threshold)}
    return arrays, {
        "cause_head_forest": float(chosen == "forest"),
        "cause_threshold": threshold,
        "cause_heldout_positive_f1": f1,
        "cause_heldout_positive_f1_logistic": scored["logistic"][0],
        "cause_heldout_positive_f1_forest": scored["forest"][0],
        "cause_heldout_positive_f1_itself_and_previous": rule,
    }


def export(data: str | Path, work: str | Path, out: str | Path) -> dict[str, float]:
    """Calibrate the fine-tuned network on the held-out slices and write the shipped file."""
    import torch
    from transformers import AutoTokenizer

    from resonant.embedding import packaged_minilm_path

    prepared = prepare(Path(data))
    base = packaged_minilm_path()
    network = build_network(base)
    saved = torch.load(Path(work) / "checkpoint.pt", weights_only=False)
    network.load_state_dict(saved["network"])
    network.eval()
    read = _Reader(network, AutoTokenizer.from_pretrained(base, local_files_only=True), torch)
    held = prepared["held"]
    arrays: dict[str, Any] = {}
    report: dict[str, float] = {"steps": float(saved["step"])}
    calibration, go_report = _goemotions_calibration(
        read, held["goemotions"], prepared["goemotion_labels"]
    )
    arrays.update(calibration)
    report.update(go_report)
    temperature, accuracy = _ekman_temperature(read, held["reccon_dialogues"])
    report.update({"ekman_temperature": temperature, "ekman_heldout_accuracy": accuracy})
    threshold, crisis_report = _crisis_head(read, network, prepared)
    report.update(crisis_report)
    short_layer, short_report = _short_crisis_layer(read, prepared)
    arrays.update(short_layer)
    report.update(short_report)
    cause, cause_report = _cause_head(
        read, held["reccon_fit_dialogues"], held["reccon_dialogues"], temperature
    )
    arrays.update(cause)
    report.update(cause_report)
    gold_vad = np.array([e.vad for e in held["emobank"]])
    predicted = (
        prepared["vad_stats"][0]
        + prepared["vad_stats"][1]
        * read([e.text for e in held["emobank"]], "EmoBank held-out")["vad"]
    )
    for i, axis in enumerate("vad"):
        report[f"vad_heldout_pearson_{axis}"] = pearson(predicted[:, i], gold_vad[:, i])
    # After `_crisis_head`, which may have replaced the crisis layer.
    arrays.update({f"net.{k}": v for k, v in trainable_state(network).items()})
    arrays.update(
        goemotion_labels=np.array(prepared["goemotion_labels"], dtype=np.str_),
        ekman_temperature=np.float32(temperature),
        crisis_threshold=np.float32(threshold),
        vad_mean=prepared["vad_stats"][0],
        vad_std=prepared["vad_stats"][1],
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    return report


def default_output() -> Path:
    from resonant.skills.affect_encoder import default_weights

    return default_weights()


def default_work() -> Path:
    from resonant_tools.data.features import cache_dir

    return cache_dir().parent / "encoder-training"


def train(
    data: str | Path, out: str | Path, work: str | Path | None = None, epochs: int = EPOCHS
) -> dict[str, float]:
    """Fine-tune (resuming from `work` if a run is there), then calibrate and export."""
    work = Path(work) if work else default_work()
    finetune(data, work, epochs)
    return export(data, work, out)
