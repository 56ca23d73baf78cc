"""The demo in a real browser: Playwright driving Debian's headless Chromium.

Marked `browser`; skipped where /usr/bin/chromium or the playwright package is missing
(`.ci/run` installs both). Screenshots land in evals/screenshots/ for people to look at.
"""

import shutil
from pathlib import Path

import pytest

from resonant.llm.testing import ScriptedChatModel
from tests.conftest import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "evals" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
# Closed network: keep Chromium from phoning home (each refused call costs time).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(make_agent, monkeypatch):
    from resonant.ui.demo import build_demo

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    script = [
        "That sounds so painful. I'm here with you.",
        "I remember Biscuit. Tell me about him.",
    ]
    demo = build_demo(make_agent(ScriptedChatModel(script)), llm_label="scripted")
    demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(demo.local_url)
        yield tab
        browser.close()
    demo.close()


def send(page, text):
    page.locator("#message textarea").fill(text)
    page.locator("#send").click()


def test_two_messages_update_the_chat_and_the_affect_panel(page):
    expect = sync_api.expect
    expect(page.locator("#header")).to_contain_text("LLM: scripted")
    send(page, "I'm so sad because my dog Biscuit died last night.")
    expect(page.locator("#chat")).to_contain_text("That sounds so painful", timeout=30_000)
    expect(page.locator("#emotions")).to_contain_text("sadness", timeout=30_000)
    expect(page.locator("#cause")).to_contain_text("my dog Biscuit died last night")
    expect(page.locator("#vad-plot img")).to_be_visible(timeout=30_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "demo-turn-1.png"), full_page=True)

    send(page, "I keep thinking about Biscuit and our walks in the park.")
    expect(page.locator("#chat")).to_contain_text("I remember Biscuit", timeout=30_000)
    expect(page.locator("#recalled")).to_contain_text("Biscuit died", timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "demo-turn-2.png"), full_page=True)


def test_crisis_banner_and_empty_message(page):
    expect = sync_api.expect
    send(page, "   ")
    expect(page.locator("#status")).to_contain_text("type a message")
    send(page, "I don't want to live anymore")
    expect(page.locator("#safety-banner")).to_contain_text("Safety route taken", timeout=30_000)
    expect(page.locator("#chat")).to_contain_text("988")
    page.screenshot(path=str(SCREENSHOTS / "demo-safety.png"), full_page=True)
