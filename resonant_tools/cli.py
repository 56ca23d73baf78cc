"""The `resonant eval` and `resonant train` commands, contributed to the CLI by entry point.

`resonant.cli` runs whatever the `resonant.commands` entry-point group offers, so the
runtime never imports this tooling by name: an install without the eval extra simply
has no such commands' dependencies loaded until they are used.
"""

from __future__ import annotations

import argparse
import json
from importlib import import_module
from pathlib import Path
from typing import Any

from resonant.agent.context import ABLATIONS
from resonant.errors import ResonantError
from resonant.settings import default_data_dir
from resonant_tools.training.provenance import write_provenance


def default_training_output(name: str, data_dir: str | None = None) -> Path:
    """Where `resonant train` writes unless told: beside the user's data, never the package."""
    return (Path(data_dir) if data_dir else default_data_dir()) / "weights" / name


def cmd_eval(args: argparse.Namespace) -> int:
    from resonant_tools.evals.harness import run_eval

    if args.suite == "empathy":
        from resonant_tools.evals.empathy.suite import run_empathy

        run_empathy(
            scenarios=args.scenarios,
            llms=args.llm or ["smollm2"],
            rungs=args.ablations,
            guidance=args.guidance,
            judge=args.judge,
            epitome=args.epitome,
            limit=args.limit,
            report_dir=args.report_dir,
        )
        return 0
    options: dict[str, Any] = {"k": args.k} if args.suite == "locomo" else {}
    if args.suite in ("hard-cases", "personas"):
        options["llm"] = (args.llm or ["smollm2"])[0]
    if args.suite == "personas" and args.epitome:
        options["epitome"] = args.epitome
    run_eval(
        args.suite,
        args.data,
        predictions=args.predictions,
        report_dir=args.report_dir,
        **options,
    )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    trainer = import_module(f"resonant_tools.training.{args.detector}")
    packaged = Path(trainer.default_output())
    out = Path(args.out) if args.out else default_training_output(packaged.name, args.data_dir)
    if out.resolve() == packaged.resolve() and not args.replace_packaged:
        raise ResonantError(
            f"{out} is the packaged weights file; add --replace-packaged to overwrite it"
        )
    options = {}
    if args.detector == "encoder":
        options = {"work": args.work, **({"epochs": args.epochs} if args.epochs else {})}
    out.parent.mkdir(parents=True, exist_ok=True)
    report = trainer.train(args.data, out, **options)
    command = ["resonant", "train", args.detector, "--data", str(args.data)]
    if args.epochs:
        command += ["--epochs", str(args.epochs)]
    record = write_provenance(out, trainer, command, report)
    print(
        json.dumps(
            {"detector": args.detector, "out": str(out), "provenance": str(record), **report}
        )
    )
    return 0


def add_eval_command(sub: Any) -> None:
    evaluate = sub.add_parser("eval", help="score a detector on a public dataset's dev split")
    evaluate.add_argument(
        "suite",
        choices=[
            "goemotions",
            "goemotions-ekman",
            "emobank",
            "reccon",
            "reccon-emotion",
            "crisis",
            "safety",
            "locomo",
            "hard-cases",
            "personas",
            "empathy",
        ],
    )
    evaluate.add_argument(
        "--data",
        default="evals/suites",
        help="the dataset folder, or hf:OWNER/NAME (safety: the shipped sets)",
    )
    evaluate.add_argument("--predictions", help="write one JSON line per item here")
    evaluate.add_argument(
        "--k", type=int, default=10, help="locomo: memories recalled per question (at least 10)"
    )
    evaluate.add_argument("--report-dir", default="evals/reports", help="tables and plots go here")
    empathy = evaluate.add_argument_group("empathy suite")
    empathy.add_argument(
        "--llm",
        action="append",
        help="LLM backend to score (empathy: repeatable; hard-cases, personas: the first; "
        "default smollm2)",
    )
    empathy.add_argument("--judge", help="OpenAI-compatible judge, e.g. openai:URL#MODEL")
    empathy.add_argument(
        "--epitome",
        help="EPITOME folder (../shared/datasets/epitome): score replies with a judge trained "
        "on it (cached under ~/.cache/resonant/epitome; never shipped)",
    )
    empathy.add_argument(
        "--ablations",
        nargs="+",
        default=list(ABLATIONS),
        choices=list(ABLATIONS),
        help="rungs of the ablation ladder to run",
    )
    empathy.add_argument(
        "--guidance",
        choices=["auto", "on", "off"],
        default="auto",
        help="detector-guided generation (auto: when the LLM prefers it)",
    )
    empathy.add_argument("--scenarios", default="evals/suites/empathy.jsonl")
    empathy.add_argument("--limit", type=int, help="only the first N scenarios")
    evaluate.set_defaults(func=cmd_eval)


def add_train_command(sub: Any) -> None:
    training = sub.add_parser("train", help="train a detector from a public dataset")
    training.add_argument("detector", choices=["encoder", "emotion", "vad", "cause"])
    training.add_argument(
        "--data", required=True, help="the dataset folder (encoder: the folder of all datasets)"
    )
    training.add_argument(
        "--out", help="weights file (default: DATA_DIR/weights/<the packaged file's name>)"
    )
    training.add_argument(
        "--data-dir", help="where resonant keeps its data; weights go to its weights/ folder"
    )
    training.add_argument(
        "--replace-packaged",
        action="store_true",
        help="allow --out to be the weights file shipped in the package",
    )
    training.add_argument(
        "--work", help="encoder: checkpoints and progress.log (resumes from here)"
    )
    training.add_argument("--epochs", type=int, help="encoder: passes over the training data")
    training.set_defaults(func=cmd_train)
