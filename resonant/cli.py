"""The `resonant` command: talk to the agent from a terminal or a script, or start the demo.

resonant respond --user ada --json "I finally finished my thesis!"
resonant chat --user ada
resonant demo
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from resonant.agent.agent import Agent
from resonant.agent.context import ABLATIONS
from resonant.agent.result import ReplyChunk, TurnResult
from resonant.errors import ResonantError
from resonant.persona.loader import builtin_persona_names
from resonant.settings import Settings

EXIT_USAGE = 2
EXIT_DEGRADED = 3


def _repair_text(text: str) -> str:
    """Text from argv or stdin with invalid UTF-8 replaced, instead of a UnicodeError later."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        key: value
        for key, value in {
            "llm": args.llm,
            "persona": args.persona,
            "data_dir": args.data_dir,
            "database_url": args.database_url,
            "stt_model": getattr(args, "stt", None),
            "tts": getattr(args, "tts", None),
        }.items()
        if value is not None
    }
    return Settings(**overrides)


def _read_turn(args: argparse.Namespace) -> str:
    if args.text == "-":
        return sys.stdin.buffer.read().decode("utf-8", "replace")
    return _repair_text(args.text)


def cmd_respond(args: argparse.Namespace) -> int:
    text = _read_turn(args)
    with Agent.from_settings(_settings(args)) as agent:
        result = agent.respond(args.user, text, conversation=args.conversation)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(result.reply)
    if result.degraded:
        # The reply is the fallback: scripts must be able to tell (e.g. a wrong LLM URL).
        print("resonant: the LLM did not answer; this is the fallback reply", file=sys.stderr)
        return EXIT_DEGRADED
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    # Piped input (a script, a file) gets one reply per line on stdout and no prompts.
    interactive = sys.stdin.isatty()
    with Agent.from_settings(_settings(args)) as agent:
        print(f"{agent.persona.display_name} is listening. Ctrl-D to leave.", file=sys.stderr)
        while True:
            try:
                line = input("you> ") if interactive else sys.stdin.readline()
            except EOFError:
                line = ""
            if not line:
                if interactive:
                    print(file=sys.stderr)
                return 0
            if not line.strip():
                continue
            if interactive:
                print(f"{agent.persona.display_name.lower()}> ", end="", flush=True)
            try:
                for event in agent.stream(
                    args.user, _repair_text(line), conversation=args.conversation
                ):
                    if isinstance(event, ReplyChunk):
                        # A reply is one line: its own line breaks would split it.
                        print(event.text.replace("\n", " "), end="", flush=True)
                    elif isinstance(event, TurnResult):
                        print(flush=True)  # ends the reply's line on stdout
                        emotion = event.user_emotion
                        print(
                            f"  [{emotion['label']} {emotion['score']:.0%}"
                            f"{' · cause: ' + event.cause['span'] if event.cause else ''}]",
                            file=sys.stderr,
                        )
            except ResonantError as exc:
                print(flush=True)
                print(f"  [{exc}]", file=sys.stderr)


def cmd_voice(args: argparse.Namespace) -> int:
    from resonant.voice.audio import read_audio
    from resonant.voice.pipeline import VoiceAgent

    speech = read_audio(args.input)  # fails fast, before any model loads
    settings = _settings(args)
    with Agent.from_settings(settings) as agent:
        voice = VoiceAgent.from_settings(agent, settings)
        voice.warm_up()  # so timings_ms measure the turn, not model loading
        reply = voice.respond(args.user, speech, conversation=args.conversation)
    if args.out:
        reply.audio.write_wav(args.out)
    print(json.dumps(reply.to_dict(), ensure_ascii=False) if args.json else reply.reply)
    return 0


def cmd_call(args: argparse.Namespace) -> int:
    from resonant.voice.call import CallSession
    from resonant.voice.device import open_sounddevice, run_call
    from resonant.voice.endpointing import EndpointerConfig
    from resonant.voice.pipeline import VoiceAgent

    open_sounddevice()  # no device: say so before loading any model
    settings = _settings(args)
    with Agent.from_settings(settings) as agent:
        voice = VoiceAgent.from_settings(agent, settings)
        voice.warm_up()
        print(f"{agent.persona.display_name} is on the line. Ctrl-C to hang up.", file=sys.stderr)
        session = CallSession(
            voice,
            args.user,
            conversation=args.conversation,
            endpointing=EndpointerConfig(silence_ms=settings.silence_ms),
        )
        run_call(session)
    return 0


def _voice_or_none(agent: Agent, settings: Settings) -> Any:
    """The demo's Call tab needs the voice extra; without it the demo still runs."""
    try:
        from resonant.voice.pipeline import VoiceAgent

        return VoiceAgent.from_settings(agent, settings)
    except (ImportError, ResonantError) as exc:
        print(f"resonant: the Call tab is off: {exc}", file=sys.stderr)
        return None


def cmd_demo(args: argparse.Namespace) -> int:
    from resonant.ui.demo import launch

    settings = _settings(args)
    agent = Agent.from_settings(settings)
    launch(
        agent,
        llm_label=settings.llm,
        host=args.host,
        port=args.port,
        voice=_voice_or_none(agent, settings),
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from resonant.server import KeyRing, create_app
        from resonant.server.ratelimit import rate_limiter
    except ImportError as exc:
        raise ResonantError('the server needs: pip install "resonant[server]"') from exc
    settings = _settings(args)
    agent = Agent.from_settings(settings)
    app = create_app(
        agent,
        KeyRing(agent.memory),
        max_body_bytes=settings.max_body_bytes,
        limiter=rate_limiter(settings.rate_limit_per_minute, settings.redis_url),
    )
    uvicorn.run(app, host=args.host or settings.host, port=args.port or settings.port)
    return 0


def _duration(text: str) -> timedelta:
    """'90d', '12h', '30m' or '45s'."""
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: use a number and d, h, m or s, e.g. 90d")
    return timedelta(**{units[unit]: int(number)})


def cmd_keys(args: argparse.Namespace) -> int:
    from resonant.memory.embedder import shared_embedder
    from resonant.memory.models import utcnow
    from resonant.memory.store import MemoryStore, default_database_url
    from resonant.server.keys import KeyRing

    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database_url or default_database_url(settings.data_dir)
    store = MemoryStore(url, shared_embedder())
    ring = KeyRing(store)
    try:
        if args.action == "create":
            if not args.tenant:
                raise ResonantError("keys create needs --tenant NAME")
            print(ring.create(args.tenant, expires_in=args.expires_in))
        elif args.action == "list":
            now = utcnow()
            print("key_id        tenant            status   created              last_used")
            for key in ring.list(args.tenant):
                used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "-"
                print(
                    f"{key.key_id:<13} {key.tenant:<17} {key.status(now):<8} "
                    f"{key.created_at.isoformat(timespec='seconds'):<20} {used}"
                )
        elif args.action == "revoke":
            ring.revoke(_key_id(args))
            print(f"revoked {args.key_id}")
        else:
            print(ring.rotate(_key_id(args), overlap=args.overlap))
    finally:
        store.close()
    return 0


def _key_id(args: argparse.Namespace) -> str:
    if not args.key_id:
        raise ResonantError(f"keys {args.action} needs --key-id ID (see: resonant keys list)")
    return str(args.key_id)


def cmd_personas(_args: argparse.Namespace) -> int:
    print("\n".join(builtin_persona_names()))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from resonant.evals.harness import run_eval

    if args.suite == "empathy":
        from resonant.evals.empathy.suite import run_empathy

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
    from importlib import import_module

    trainer = import_module(f"resonant.training.{args.detector}")
    out = args.out or trainer.default_output()
    options = {}
    if args.detector == "encoder":
        options = {"work": args.work, **({"epochs": args.epochs} if args.epochs else {})}
    report = trainer.train(args.data, out, **options)
    print(json.dumps({"detector": args.detector, "out": str(out), **report}))
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from tqdm import tqdm

    from resonant.agent.analyze import analyse_lines
    from resonant.skills.registry import load_skills

    skills = load_skills(Settings().skills)
    with ExitStack() as stack:
        source = stack.enter_context(open(args.input, "rb")) if args.input else sys.stdin.buffer
        sink = (
            stack.enter_context(open(args.output, "w", encoding="utf-8"))
            if args.output
            else sys.stdout
        )
        total = None
        if args.input:  # counting lines first gives the progress bar its end
            with open(args.input, "rb") as counting:
                total = sum(1 for _ in counting)
        lines = tqdm(source, total=total, desc="analysing", unit="line", disable=not args.input)
        for result in analyse_lines(skills, lines):
            sink.write(json.dumps(result, ensure_ascii=False) + "\n")
            if not args.output:
                sink.flush()  # a pipe reader sees each result as soon as it is ready
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--llm", help="LLM backend: smollm2 | openai:URL[#MODEL] | gguf:PATH | scripted"
    )
    common.add_argument(
        "--persona", help=f"persona name ({', '.join(builtin_persona_names())}) or YAML path"
    )
    common.add_argument("--data-dir", help="where memories and conversations are kept")
    common.add_argument("--database-url", help="SQLAlchemy URL of the memory store")
    talk = argparse.ArgumentParser(add_help=False)
    talk.add_argument(
        "--user", default="local", help="user id: the same id continues the same memory"
    )
    talk.add_argument("--conversation", default="default", help="conversation id for this user")

    parser = argparse.ArgumentParser(prog="resonant", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)
    respond = sub.add_parser("respond", parents=[common, talk], help="answer one message")
    respond.add_argument("--json", action="store_true", help="print the full trace as JSON")
    respond.add_argument("text", help="the message, or - to read it from stdin")
    respond.set_defaults(func=cmd_respond)
    sub.add_parser("chat", parents=[common, talk], help="chat in the terminal").set_defaults(
        func=cmd_chat
    )
    speech = argparse.ArgumentParser(add_help=False)
    speech.add_argument("--stt", help="faster-whisper model name or folder (default: tiny.en)")
    speech.add_argument("--tts", help="auto | piper[:VOICE.onnx] | espeak[:VOICE] | coqui:MODEL")
    voice = sub.add_parser(
        "voice", parents=[common, talk, speech], help="answer one spoken turn from a file"
    )
    voice.add_argument("--in", dest="input", required=True, help="the user's speech (WAV, MP3...)")
    voice.add_argument("--out", help="write the spoken reply here (WAV)")
    voice.add_argument("--json", action="store_true", help="print transcript, trace and timings")
    voice.set_defaults(func=cmd_voice)
    sub.add_parser(
        "call", parents=[common, talk, speech], help="a live voice call (microphone + speaker)"
    ).set_defaults(func=cmd_call)
    demo = sub.add_parser("demo", parents=[common, speech], help="start the Gradio chat demo")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=7860)
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("personas", help="list the shipped personas").set_defaults(func=cmd_personas)
    serve = sub.add_parser("serve", parents=[common], help="start the HTTP API (OpenAI-compatible)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    keys = sub.add_parser("keys", parents=[common], help="create, list, revoke or rotate API keys")
    keys.add_argument("action", choices=["create", "list", "revoke", "rotate"])
    keys.add_argument("--tenant", help="the app the key belongs to (create; filters list)")
    keys.add_argument("--key-id", help="the key's id from `keys list` (revoke, rotate)")
    keys.add_argument(
        "--expires-in", type=_duration, help="create: the key expires after this, e.g. 90d"
    )
    keys.add_argument(
        "--overlap", type=_duration,
        help="rotate: the old key keeps working this long (default: revoked at once)",
    )  # fmt: skip
    keys.set_defaults(func=cmd_keys)
    analyze = sub.add_parser(
        "analyze", help="read emotions, VAD, crisis cues and causes of JSON Lines turns"
    )
    analyze.add_argument("--in", dest="input", help="JSON Lines file (default: stdin)")
    analyze.add_argument("--out", dest="output", help="write results here (default: stdout)")
    analyze.set_defaults(func=cmd_analyze)
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
        "--ablations", nargs="+", default=list(ABLATIONS), choices=list(ABLATIONS),
        help="rungs of the ablation ladder to run",
    )  # fmt: skip
    empathy.add_argument(
        "--guidance", choices=["auto", "on", "off"], default="auto",
        help="detector-guided generation (auto: when the LLM prefers it)",
    )  # fmt: skip
    empathy.add_argument("--scenarios", default="evals/suites/empathy.jsonl")
    empathy.add_argument("--limit", type=int, help="only the first N scenarios")
    evaluate.set_defaults(func=cmd_eval)
    training = sub.add_parser("train", help="train a detector from a public dataset")
    training.add_argument("detector", choices=["encoder", "emotion", "vad", "cause"])
    training.add_argument(
        "--data", required=True, help="the dataset folder (encoder: the folder of all datasets)"
    )
    training.add_argument("--out", help="weights file (default: the packaged one)")
    training.add_argument(
        "--work", help="encoder: checkpoints and progress.log (resumes from here)"
    )
    training.add_argument("--epochs", type=int, help="encoder: passes over the training data")
    training.set_defaults(func=cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except ResonantError as exc:
        print(f"resonant: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
