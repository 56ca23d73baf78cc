"""Turning one turn's trace into what the affect panel shows: pure functions, no Gradio.

Kept apart from the layout so they are easy to test and to reuse in other front ends.
"""

from __future__ import annotations

from typing import Any

from resonant.affect import VADDict
from resonant.agent.result import TurnResult

TOP_EMOTIONS = 5


def emotion_distribution(result: TurnResult) -> dict[str, float]:
    """The top labels of the emotion reading the agent went with, with their scores."""
    emotion = result.user_emotion
    scores = dict(emotion["scores"])
    if emotion["label"] != "neutral":
        # The agent read a feeling (it outweighs neutral by design): show how that feeling
        # compares with the other feelings, so the panel's top label is the agent's reading.
        scores.pop("neutral", None)
        total = sum(scores.values()) or 1.0
        scores = {label: value / total for label, value in scores.items()}
    ranked = sorted(scores.items(), key=lambda item: -item[1])[:TOP_EMOTIONS]
    return dict(ranked) or {emotion["label"]: emotion["score"]}


def highlighted_cause(result: TurnResult) -> list[tuple[str, str | None]]:
    """The message the cause came from, split so the cause span is marked."""
    cause = result.cause
    if cause is None:
        return [("No cause detected for this turn.", None)]
    text, start, end = cause["turn_text"], cause["start"], cause["end"]
    who = "you" if cause["role"] == "user" else "the agent"
    where = "this message" if cause["turn_offset"] == 0 else f"{-cause['turn_offset']} back"
    return [
        (f"({who}, {where}) ", None),
        (text[:start], None),
        (text[start:end], "cause"),
        (text[end:], None),
    ]


def memory_rows(result: TurnResult) -> list[list[Any]]:
    """Recalled memories with why they were chosen."""
    return [
        [m["text"], m["emotion"], m["similarity"], m["recency"], m["salience"], m["score"]]
        for m in result.memories
    ]


MEMORY_COLUMNS = ["memory", "emotion", "similarity", "recency", "salience", "score"]


def safety_banner(result: TurnResult) -> str:
    if not result.safety["flagged"]:
        return ""
    category = (result.safety["category"] or "crisis").replace("_", " ")
    return (
        f"### ⚠️ Safety route taken ({category})\n"
        "The reply was written by the safeguard: a careful acknowledgement and crisis resources."
    )


def vad_figure(trajectory: dict[str, list[VADDict]]) -> Any:
    """Valence and arousal over turns, and the 2-D valence-arousal path, user vs agent."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    # Stacked, at the panel's own width, so that labels stay legible (>= 11 px) in the
    # narrow affect column instead of being scaled down from a wide figure.
    plt.rcParams.update({"font.size": 12, "axes.titlesize": 12, "legend.fontsize": 11})
    fig, (over_time, plane) = plt.subplots(2, 1, figsize=(5.2, 6.4))
    colours = {"user": "#d9534f", "agent": "#5b8def"}
    for who, points in trajectory.items():
        turns = list(range(1, len(points) + 1))
        over_time.plot(
            turns,
            [p["v"] for p in points],
            "-o",
            color=colours[who],
            label=f"{who} valence",
            markersize=3,
        )
        over_time.plot(
            turns, [p["a"] for p in points], "--", color=colours[who], label=f"{who} arousal"
        )
        plane.plot(
            [p["v"] for p in points],
            [p["a"] for p in points],
            "-o",
            color=colours[who],
            label=who,
            markersize=3,
        )
        if points:
            plane.annotate("now", (points[-1]["v"], points[-1]["a"]), color=colours[who])
    turns_seen = max((len(points) for points in trajectory.values()), default=1)
    over_time.set(
        xlabel="turn",
        ylim=(-1, 1),
        xlim=(0.5, max(1, turns_seen) + 0.5),
        title="valence (—) and arousal (--)",
    )
    if turns_seen <= 12:
        over_time.set_xticks(range(1, turns_seen + 1))  # one tick per turn
    else:
        over_time.xaxis.set_major_locator(MaxNLocator(integer=True))
    over_time.legend(loc="lower left", ncols=2)
    plane.set(
        xlim=(-1, 1), ylim=(-1, 1), xlabel="valence", ylabel="arousal", title="valence-arousal path"
    )
    plane.axhline(0, color="#ccc", linewidth=0.5)
    plane.axvline(0, color="#ccc", linewidth=0.5)
    plane.legend()
    # Room at the top for the panel's own label, which Gradio draws over the image.
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def affect_panel(result: TurnResult, trajectory: dict[str, list[VADDict]]) -> tuple[Any, ...]:
    """Every affect-panel value for one turn, in layout order: safety banner, emotion
    distribution, highlighted cause, VAD plot, recalled memories."""
    return (
        safety_banner(result),
        emotion_distribution(result),
        highlighted_cause(result),
        vad_figure(trajectory),
        memory_rows(result),
    )
