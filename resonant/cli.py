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
from importlib.metadata import entry_points
from types import UnionType
from typing import Any, Union, get_args, get_origin

from resonant.agent.agent import Agent
from resonant.agent.result import ReplyChunk, TurnResult
from resonant.defaults import DEFAULT_DEMO_PORT, DEFAULT_HOST
from resonant.errors import MissingExtraError, ResonantError
from resonant.persona.loader import builtin_persona_names
from resonant.settings import Settings

EXIT_USAGE = 2
EXIT_DEGRADED = 3


def _repair_text(text: str) -> str:
    """Text from argv or stdin with invalid UTF-8 replaced, instead of a UnicodeError later."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with every flag the user gave on top."""
    given = {
        name: getattr(args, name)
        for name in Settings.model_fields
        if getattr(args, name, None) is not None
    }
    return Settings(**given)


def _bare_type(annotation: Any) -> Any:
    """A setting's annotation without its `| None`."""
    if get_origin(annotation) in (Union, UnionType):
        return next(kind for kind in get_args(annotation) if kind is not type(None))
    return annotation


def settings_flags(*names: str, aliases: dict[str, str] | None = None) -> argparse.ArgumentParser:
    """A parent parser with a flag for each named `Settings` field: its help is the
    field's description and its default comes from `Settings` (env, then the field), so
    flags, environment variables and defaults are declared once, on the field."""
    parser = argparse.ArgumentParser(add_help=False)
    for name in names:
        field = Settings.model_fields[name]
        flags = [
            f"--{name.replace('_', '-')}",
            *([aliases[name]] if aliases and name in aliases else []),
        ]
        help_text = f"{field.description} (env RESONANT_{name.upper()})"
        kind = _bare_type(field.annotation)
        if kind is bool:
            parser.add_argument(
                *flags, dest=name, action=argparse.BooleanOptionalAction, help=help_text
            )
        elif get_origin(kind) is list:
            parser.add_argument(
                *flags, dest=name, type=_comma_list, help=help_text + ", comma-separated"
            )
        else:
            parser.add_argument(*flags, dest=name, type=kind, help=help_text)
    return parser


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


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
    from resonant.audio.samples import read_audio
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
    from resonant.voice.pipeline import VoiceAgent

    open_sounddevice()  # no device: say so before loading any model
    settings = _settings(args)
    with Agent.from_settings(settings) as agent:
        voice = VoiceAgent.from_settings(agent, settings)
        voice.warm_up()
        print(f"{agent.persona.display_name} is on the line. Ctrl-C to hang up.", file=sys.stderr)
        session = CallSession.from_settings(
            voice, args.user, settings, conversation=args.conversation
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
        host=args.demo_host,
        port=args.demo_port,
        voice=_voice_or_none(agent, settings),
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from resonant.server import KeyRing, create_app
        from resonant.server.ratelimit import rate_limiter
    except ImportError as exc:
        raise MissingExtraError("the server", "server") from exc
    settings = _settings(args)
    agent = Agent.from_settings(settings)
    voice = None
    if settings.voice:
        from resonant.voice.pipeline import VoiceAgent

        voice = VoiceAgent.from_settings(agent, settings)
    app = create_app(
        agent,
        KeyRing(agent.store),
        max_body_bytes=settings.max_body_bytes,
        limiter=rate_limiter(settings.rate_limit_per_minute, settings.redis_url),
        voice=voice,
        settings=settings,
    )
    uvicorn.run(app, host=settings.host, port=settings.port)
    return 0


def _duration(text: str) -> timedelta:
    """'90d', '12h', '30m' or '45s'."""
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: use a number and d, h, m or s, e.g. 90d")
    return timedelta(**{units[unit]: int(number)})


def cmd_keys(args: argparse.Namespace) -> int:
    from resonant.embedding import shared_embedder
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


COMMANDS_ENTRY_POINT_GROUP = "resonant.commands"
log = logging.getLogger(__name__)


def _add_plugin_commands(sub: Any) -> None:
    """Commands other packages contribute (`resonant eval` and `resonant train` come from
    resonant_tools this way), each loaded on its own so one broken install cannot break
    the CLI."""
    for entry_point in entry_points(group=COMMANDS_ENTRY_POINT_GROUP):
        try:
            entry_point.load()(sub)
        except Exception as exc:  # a third-party plugin may fail in any way
            log.warning("resonant: command plugin %r is off: %s", entry_point.name, exc)


def build_parser() -> argparse.ArgumentParser:
    common = settings_flags(
        "llm", "llm_timeout", "guidance", "persona", "data_dir", "database_url", "skills",
        "embedder", "recall_k",
    )  # fmt: skip
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
    speech = settings_flags(
        "stt_model",
        "stt_window",
        "tts",
        "silence_ms",
        "turn_taking",
        "finished_silence_ms",
        aliases={"stt_model": "--stt"},
    )
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
    # The demo's own address: `host`/`port` settings belong to `resonant serve`.
    demo.add_argument(
        "--host", dest="demo_host", default=DEFAULT_HOST, help="address the demo listens on"
    )
    demo.add_argument(
        "--port", dest="demo_port", type=int, default=DEFAULT_DEMO_PORT,
        help=f"port of the demo (default {DEFAULT_DEMO_PORT})",
    )  # fmt: skip
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("personas", help="list the shipped personas").set_defaults(func=cmd_personas)
    serving = settings_flags(
        "host", "port", "max_body_bytes", "rate_limit_per_minute", "redis_url", "voice"
    )
    serve = sub.add_parser(
        "serve",
        parents=[common, serving, speech],
        help="start the HTTP API (OpenAI-compatible; --voice adds live calls over WebSocket)",
    )
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
    _add_plugin_commands(sub)
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
