"""`check_transcriber` and `check_synthesizer`: the contracts of speech in and speech out
(`resonant.voice.stt.Transcriber`, `resonant.voice.tts.Synthesizer`)."""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import partial

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.contracts.report import EMOJI, EMPTY, NON_ENGLISH, Findings, in_threads
from resonant.errors import ResonantError
from resonant.voice.delivery import Delivery
from resonant.voice.stt import Transcriber, Transcript
from resonant.voice.tts import Synthesizer


def _silence(seconds: float, rate: int = SPEECH_RATE) -> Audio:
    return Audio(np.zeros(int(seconds * rate), np.float32), rate)


def _noise(seconds: float, rate: int = SPEECH_RATE) -> Audio:
    samples = np.random.default_rng(0).standard_normal(int(seconds * rate)) * 0.05
    return Audio(samples.astype(np.float32), rate)


def check_transcriber(
    transcriber: Transcriber, speech: Audio | None = None, words: tuple[str, ...] = ()
) -> None:
    """Check that `transcriber` keeps the `Transcriber` contract; raise
    `ContractViolation` if not.

    The rules: `transcribe` returns a `Transcript` (str text, str language, speech
    seconds within the audio's length) for silence, noise, no samples at all, 8 kHz and
    44.1 kHz audio and a minute of silence, or raises a `ResonantError` for audio it
    cannot use; silence is heard as no speech; the same audio gives the same text twice
    and from threads at once; a Transcript survives JSON. With `speech` (and the `words`
    it says), those words must be heard in it. A transcriber that declares `takes_prompt`
    accepts `prompt=` (text said before the audio), and still hears those words with one.
    """
    found = Findings(f"transcriber {type(transcriber).__name__}")
    samples = {
        "one second of silence": _silence(1.0),
        "noise": _noise(2.0),
        "no samples": _silence(0.0),
        "8 kHz audio": _noise(1.0, 8_000),
        "44.1 kHz audio": _silence(1.0, 44_100),
        "a minute of silence": _silence(60.0),
        **({"the given speech": speech} if speech is not None else {}),
    }
    heard: dict[str, Transcript | None] = {}
    for what, audio in samples.items():
        got = found.attempt(
            f"transcribe({what})",
            partial(transcriber.transcribe, audio),
            allowed=(ResonantError,),
        )
        heard[what] = got
        if got is None:
            continue
        if not found.expect(isinstance(got, Transcript), f"{what}: returned {type(got).__name__}"):
            continue
        found.expect(
            isinstance(got.text, str) and isinstance(got.language, str),
            f"{what}: text and language must be str",
        )
        found.expect(
            0.0 <= got.speech_seconds <= audio.seconds + 0.05,
            f"{what}: {got.speech_seconds} s of speech in {audio.seconds:.2f} s of audio",
        )
        data = asdict(got)
        found.expect(json.loads(json.dumps(data)) == data, f"{what}: Transcript is not JSON-able")
    quiet = heard.get("one second of silence")
    found.expect(quiet is None or not quiet.heard_speech, f"heard {quiet!r} in silence")
    if speech is not None:
        text = heard["the given speech"].text.lower() if heard["the given speech"] else ""
        missing = [word for word in words if word.lower() not in text]
        found.expect(not missing, f"did not hear {missing} in the given speech ({text!r})")
        probe = speech
    else:
        probe = samples["noise"]
    once = found.attempt("transcribe (again)", lambda: transcriber.transcribe(probe))
    twice = found.attempt("transcribe (and again)", lambda: transcriber.transcribe(probe))
    found.expect(once == twice, f"the same audio gave {once!r} then {twice!r}")
    threaded = found.attempt(
        "transcribe from several threads", lambda: in_threads(transcriber.transcribe, [probe] * 3)
    )
    found.expect(
        threaded is None or all(t == once for t in threaded),
        "concurrent transcripts differ from one thread's (not thread-safe)",
    )
    if getattr(transcriber, "takes_prompt", False):
        prompted = found.attempt(
            "transcribe(prompt=...)",
            lambda: transcriber.transcribe(probe, prompt="Earlier I said this."),  # type: ignore[call-arg]
        )
        if found.expect(isinstance(prompted, Transcript), f"prompted: returned {prompted!r}"):
            assert isinstance(prompted, Transcript)
            missing = [word for word in words if word.lower() not in prompted.text.lower()]
            found.expect(not missing, f"with a prompt, did not hear {missing} in the speech")
    found.raise_if_any()


def _check_audio(found: Findings, what: str, audio: object, *, allow_empty: bool) -> None:
    if not found.expect(isinstance(audio, Audio), f"{what}: returned {type(audio).__name__}"):
        return
    assert isinstance(audio, Audio)
    samples = audio.samples
    found.expect(
        samples.ndim == 1 and samples.dtype == np.float32,
        f"{what}: samples must be mono float32, got {samples.dtype} {samples.shape}",
    )
    found.expect(8_000 <= audio.sample_rate <= 48_000, f"{what}: rate {audio.sample_rate} Hz")
    found.expect(allow_empty or len(samples) > 0, f"{what}: no samples")
    found.expect(
        bool(np.all(np.isfinite(samples))) and float(np.max(np.abs(samples), initial=0)) <= 1.0,
        f"{what}: samples must be finite and within [-1, 1]",
    )
    back = Audio.from_pcm16(audio.pcm16(), audio.sample_rate)
    found.expect(
        len(back.samples) == len(samples)
        and bool(np.allclose(back.samples, samples, atol=2 / 32768)),
        f"{what}: PCM16 round trip changes it",
    )


def check_synthesizer(synthesizer: Synthesizer) -> None:
    """Check that `synthesizer` keeps the `Synthesizer` contract; raise
    `ContractViolation` if not.

    The rules: a non-empty `name`; `synthesize` returns mono float32 `Audio` at 8-48 kHz,
    finite, within [-1, 1], that survives PCM16, for a sentence (non-empty), for empty,
    emoji, Spanish and Chinese text (maybe empty, or a `ResonantError`) and a long
    paragraph; slower delivery gives longer audio; the same text gives audio of the same
    length twice and from threads at once (voices may add random breath, so samples
    themselves are not compared).
    """
    found = Findings(f"synthesizer {getattr(synthesizer, 'name', type(synthesizer).__name__)!r}")
    found.expect(
        isinstance(getattr(synthesizer, "name", None), str) and bool(synthesizer.name),
        "name must be a non-empty string",
    )
    sentence = "I'm really glad you told me about this."
    normal = found.attempt("synthesize(a sentence)", lambda: synthesizer.synthesize(sentence))
    _check_audio(found, "a sentence", normal, allow_empty=False)
    long_text = " ".join([sentence] * 12)
    for what, text in {
        "empty text": EMPTY,
        "emoji": EMOJI,
        "Spanish": NON_ENGLISH[0],
        "Chinese": NON_ENGLISH[1],
        "a long paragraph": long_text,
    }.items():
        got = found.attempt(
            f"synthesize({what})",
            partial(synthesizer.synthesize, text),
            allowed=(ResonantError,),
        )
        if got is not None:
            _check_audio(found, what, got, allow_empty=text in (EMPTY, EMOJI))
    slow = found.attempt(
        "synthesize(slowly)", lambda: synthesizer.synthesize(sentence, Delivery(rate=0.8))
    )
    if isinstance(normal, Audio) and isinstance(slow, Audio):
        found.expect(
            slow.seconds > normal.seconds * 1.05,
            f"rate 0.8 gave {slow.seconds:.2f} s, normal {normal.seconds:.2f} s",
        )
    again = found.attempt(
        "synthesize(the sentence again)", lambda: synthesizer.synthesize(sentence)
    )
    threaded = found.attempt(
        "synthesize from several threads",
        lambda: in_threads(synthesizer.synthesize, [sentence] * 3),
    )
    if isinstance(normal, Audio):
        lengths = [a.seconds for a in [again, *(threaded or [])] if isinstance(a, Audio)]
        found.expect(
            all(abs(s - normal.seconds) <= 0.1 * normal.seconds for s in lengths),
            f"the same sentence lasted {normal.seconds:.2f} s, then {lengths}",
        )
    found.raise_if_any()
