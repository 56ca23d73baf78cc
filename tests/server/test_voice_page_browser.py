"""The browser client the server hands out at /voice: Chromium's fake microphone says a
turn, the page streams it over /v1/voice and shows what was heard and the agent's reply."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from resonant.llm.testing import ScriptedChatModel
from tests.browser import CHROMIUM, CHROMIUM_ARGS, fake_microphone, one_core_whisper
from tests.conftest import free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.voice,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")


def test_the_voice_page_holds_a_call_through_the_microphone(make_agent, piper, tmp_path):
    from resonant.server import KeyRing, create_app
    from resonant.voice.pipeline import VoiceAgent

    said = piper.synthesize("My grandmother passed away last week and I miss her so much.")
    fake_mic = fake_microphone(tmp_path, said, before=1.0, after=30.0)
    agent = make_agent(ScriptedChatModel(["I'm so sorry. That sounds really hard."]))
    keys = KeyRing(agent.store)
    key = keys.create("web")
    app = create_app(
        agent, keys, voice=VoiceAgent(agent, transcriber=one_core_whisper(), synthesizer=piper)
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    *CHROMIUM_ARGS,
                    *fake_mic,
                    "--autoplay-policy=no-user-gesture-required",
                ],
            )
            tab = browser.new_page()
            tab.goto(f"http://127.0.0.1:{port}/voice")
            tab.locator("#key").fill(key)
            tab.locator("#user").fill("maya")
            tab.locator("#start").click()
            log = tab.locator("#log")
            sync_api.expect(log).to_contain_text("Agent: I'm so sorry.", timeout=90_000)
            assert "miss her" in log.inner_text().lower()  # Chromium's audio path may blur a word
            sync_api.expect(tab.locator("#affect")).to_contain_text("Your emotion: sadness")
            tab.locator("#stop").click()
            sync_api.expect(tab.locator("#status")).to_contain_text("Call ended", timeout=60_000)
            browser.close()
    finally:
        server.should_exit = True
        serving.join(timeout=30)
    roles = [t["role"] for t in agent.store.turns("web:maya")]
    assert roles[:2] == ["user", "assistant"]
