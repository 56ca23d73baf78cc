"""Every built-in backend passes its plugin contract, and the contracts catch plugins
that break one (so a pass means something)."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest

from resonant.contracts import (
    ContractViolation,
    check_chat_model,
    check_skill,
    check_synthesizer,
    check_transcriber,
)
from resonant.llm.openai_compat import OpenAIChatModel
from resonant.llm.testing import OpenAIProtocolServer, ScriptedChatModel
from resonant.skills import Detection, SkillInput, Span
from resonant.skills.registry import BUILTIN_SKILLS


@pytest.mark.parametrize("name", sorted(BUILTIN_SKILLS))
def test_every_builtin_skill_keeps_the_skill_contract(name):
    check_skill(BUILTIN_SKILLS[name]())


class _CountingSkill:
    """Breaks three rules: wrong kind in its detections, a span that is not its text, and
    a different answer on every call."""

    name = "counting"
    kind = "emotion"

    def __init__(self):
        self._calls = 0
        self._lock = threading.Lock()

    def detect(self, turn: SkillInput) -> Detection:
        with self._lock:
            self._calls += 1
        return Detection(
            skill=self.name,
            kind="cause",
            score=min(1.0, self._calls / 100),
            span=Span("not in the text", 0, 0, 3),
        )


class _CrashingSkill:
    name = "crashing"
    kind = "vad"

    def detect(self, turn: SkillInput) -> Detection | None:
        if not turn.text.strip():
            raise IndexError("empty text")
        return None


def test_a_skill_that_breaks_its_contract_is_told_each_rule_it_broke():
    with pytest.raises(ContractViolation) as broken:
        check_skill(_CountingSkill())
    problems = "\n".join(broken.value.problems)
    assert "kind 'cause', declared 'emotion'" in problems
    assert "is not the text at its offsets" in problems
    assert "not deterministic" in problems
    with pytest.raises(ContractViolation, match="raised IndexError: empty text"):
        check_skill(_CrashingSkill())


def test_the_scripted_model_keeps_the_chat_model_contract():
    check_chat_model(ScriptedChatModel(["I'm here with you."]))


def test_the_openai_protocol_client_keeps_the_contract_against_a_real_server():
    with (
        OpenAIProtocolServer(
            ScriptedChatModel(["I'm here with you."]), max_model_len=4096
        ) as server,
        OpenAIChatModel(server.base_url + "#test-model", timeout=10) as model,
    ):
        check_chat_model(model)


def test_the_embedded_smollm2_keeps_the_chat_model_contract():
    pytest.importorskip("llama_cpp", reason="needs the embedded extra")
    from resonant.llm.llama_cpp import smollm2

    check_chat_model(smollm2())


def test_a_chat_model_that_yields_bytes_and_crashes_on_emoji_is_caught():
    class Broken:
        name = "broken"

        def stream(self, messages, *, max_tokens, temperature):
            if "😭" in messages[-1]["content"]:
                raise KeyError("emoji")
            yield b"hello"

    with pytest.raises(ContractViolation) as broken:
        check_chat_model(Broken())
    problems = "\n".join(broken.value.problems)
    assert "not str" in problems
    assert "raised KeyError" in problems


@pytest.mark.voice
@pytest.mark.parametrize("window", ["fit", "full"])
def test_whisper_keeps_the_transcriber_contract_and_hears_speech(window):
    pytest.importorskip("faster_whisper", reason="needs the voice extra")
    from resonant.audio.samples import SPEECH_RATE
    from resonant.voice.stt import WhisperTranscriber
    from resonant.voice.tts import PiperSynthesizer

    speech = PiperSynthesizer().synthesize("Hello, my friend.").resampled(SPEECH_RATE)
    check_transcriber(WhisperTranscriber(window=window), speech, words=("hello", "friend"))


@pytest.mark.voice
def test_piper_keeps_the_synthesizer_contract():
    pytest.importorskip("piper", reason="needs the voice extra")
    from resonant.voice.tts import PiperSynthesizer

    check_synthesizer(PiperSynthesizer())


@pytest.mark.voice
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_espeak_keeps_the_synthesizer_contract():
    from resonant.voice.tts import EspeakSynthesizer

    check_synthesizer(EspeakSynthesizer())


def test_a_synthesizer_that_clips_and_ignores_delivery_is_caught():
    from resonant.audio.samples import Audio

    class Loud:
        name = "loud"

        def synthesize(self, text, delivery=None):
            return Audio(np.full(8000, 2.0, np.float32), 16_000)

    with pytest.raises(ContractViolation) as broken:
        check_synthesizer(Loud())
    problems = "\n".join(broken.value.problems)
    assert "within [-1, 1]" in problems
    assert "rate 0.8 gave" in problems


def test_a_transcriber_that_claims_prompts_but_takes_none_is_caught():
    from resonant.voice.stt import Transcript

    class Deaf:
        takes_prompt = True

        def transcribe(self, audio):
            return Transcript("", "en", 0.0)

    with pytest.raises(ContractViolation) as broken:
        check_transcriber(Deaf())
    assert "transcribe(prompt=...)" in "\n".join(broken.value.problems)
