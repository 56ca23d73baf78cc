"""compose.yaml cannot run here (no container engine), so check what can be checked:
the services, their health checks and ports, and that every RESONANT_ variable the app
gets is a real setting with a value that setting accepts."""

from pathlib import Path

import yaml

from resonant.llm.openai_compat import OpenAIChatModel
from resonant.llm.registry import load_chat_model
from resonant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_stack_has_vllm_postgres_and_the_app_with_health_checks():
    services = compose()["services"]
    assert set(services) == {"vllm", "postgres", "redis", "app"}
    for service in services.values():
        assert service["healthcheck"]["test"]
    assert "8080:8080" in services["app"]["ports"]
    assert services["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["app"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "pgvector" in services["postgres"]["image"]
    assert set(compose()["volumes"]) == {"hf-cache", "pgdata", "appdata"}


def test_only_the_app_is_published_and_the_backends_sit_on_an_internal_network():
    stack = compose()
    assert stack["networks"]["internal"]["internal"] is True
    for name in ("vllm", "postgres", "redis"):
        assert "ports" not in stack["services"][name], name
        assert "internal" in stack["services"][name]["networks"]
    assert "public" not in stack["services"]["vllm"]["networks"]


def test_production_settings_are_pinned_and_secrets_have_no_defaults():
    text = (ROOT / "compose.yaml").read_text()
    vllm = compose()["services"]["vllm"]
    assert not vllm["image"].endswith(":latest") and ":v" in vllm["image"]
    assert vllm["ipc"] == "host"
    assert any(arg.startswith("--revision=${RESONANT_VLLM_REVISION:?") for arg in vllm["command"])
    assert any(arg.startswith("--api-key=${VLLM_API_KEY:?") for arg in vllm["command"])
    assert "POSTGRES_PASSWORD:-" not in text  # a required password, never a default one
    app = compose()["services"]["app"]
    assert app["environment"]["RESONANT_LLM_API_KEY"].startswith("${VLLM_API_KEY:?")
    assert "/readyz" in " ".join(app["healthcheck"]["test"])


def test_app_environment_matches_the_settings_class(monkeypatch):
    env = compose()["services"]["app"]["environment"]
    fields = {f"RESONANT_{name.upper()}" for name in Settings.model_fields}
    ours = {k for k in env if k.startswith("RESONANT_")}
    assert ours <= fields, ours - fields
    for name in ours:
        monkeypatch.setenv(
            name,
            str(env[name])
            .replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "pw")
            .replace("${VLLM_API_KEY:?set VLLM_API_KEY}", "vllm-key")
            .replace("${RESONANT_PERSONA:-willow}", "willow"),
        )
    settings = Settings()
    assert settings.database_url.startswith("postgresql+psycopg://resonant:pw@postgres")
    model = load_chat_model(settings.llm)
    assert isinstance(model, OpenAIChatModel)
    assert model.base_url == "http://vllm:8000/v1"
    assert model.model == "resonant-llm"
    assert settings.llm_api_key == "vllm-key"
    model.close()


def test_the_vllm_service_names_the_model_the_app_asks_for():
    vllm = compose()["services"]["vllm"]
    assert "--served-model-name=resonant-llm" in vllm["command"]
    assert "resonant-llm" in compose()["services"]["app"]["environment"]["RESONANT_LLM"]


def test_the_app_image_installs_the_server_and_postgres_extras_without_the_embedded_llm():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert ".[server,postgres,redis]" in dockerfile
    assert "torch==2.13.0" in dockerfile
    assert "smollm2" not in dockerfile
