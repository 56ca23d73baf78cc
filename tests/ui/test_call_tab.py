"""The demo's Call tab served for real, driven through gradio_client with a spoken clip."""

import pytest

from resonant.llm.testing import ScriptedChatModel
from tests.conftest import free_port

gradio = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")
pytest.importorskip("faster_whisper")

from resonant.ui.demo import build_demo  # noqa: E402
from resonant.voice.pipeline import VoiceAgent  # noqa: E402
from tests.voice.conftest import speak  # noqa: E402, F401

pytestmark = pytest.mark.voice


@pytest.fixture
def served(make_agent, monkeypatch, piper, whisper):
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    agent = make_agent(ScriptedChatModel(["I'm so sorry. That sounds really hard."]))
    voice = VoiceAgent(agent, transcriber=whisper, synthesizer=piper)
    demo = build_demo(agent, llm_label="scripted", voice=voice)
    demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    yield agent, gradio_client.Client(demo.local_url, verbose=False)
    demo.close()


def test_a_spoken_clip_gets_a_spoken_reply_and_fills_the_affect_panel(served, speak, tmp_path):  # noqa: F811
    agent, client = served
    clip = tmp_path / "clip.wav"
    speak("My grandmother passed away last week and I miss her.", before=0.3).write_wav(clip)
    reply_audio, _log, status, _banner, emotions, *_ = client.predict(
        gradio_client.handle_file(str(clip)), "ada", "willow", "web-test", api_name="/one_turn"
    )
    assert reply_audio is not None
    assert "grandmother" in status.lower()
    assert emotions["label"] == "sadness"
    stored = agent.export("ada")["turns"]
    assert [t["role"] for t in stored] == ["user", "assistant"]
    assert "grandmother" in stored[0]["text"].lower()


def test_sending_no_clip_asks_for_one(served):
    _, client = served
    _, _, status, *_ = client.predict(None, "ada", "willow", "web-test", api_name="/one_turn")
    assert "clip first" in status
