"""Finding and loading persona files: the shipped ones by name, or any YAML path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from resonant.errors import UnknownPersonaError
from resonant.persona.model import Persona

_PACKAGE_DIR = "personas"


def builtin_persona_names() -> list[str]:
    folder = resources.files("resonant.persona").joinpath(_PACKAGE_DIR)
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def _parse(text: str, source: str) -> Persona:
    try:
        return Persona.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise UnknownPersonaError(f"persona file {source} is not valid: {exc}") from exc


def load_persona(name_or_path: str | Path) -> Persona:
    """Load a shipped persona by name ("willow") or any persona YAML file by path.

    Raises:
        UnknownPersonaError: no such persona, or the file does not validate.
    """
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"}:
        if not candidate.is_file():
            raise UnknownPersonaError(f"persona file not found: {candidate}")
        return _parse(candidate.read_text(encoding="utf-8"), str(candidate))
    name = str(name_or_path)
    if name not in builtin_persona_names():
        raise UnknownPersonaError(
            f"unknown persona {name!r}; choose one of {', '.join(builtin_persona_names())} "
            "or pass the path of a persona YAML file"
        )
    resource = resources.files("resonant.persona").joinpath(_PACKAGE_DIR, f"{name}.yaml")
    return _parse(resource.read_text(encoding="utf-8"), f"{name}.yaml")
