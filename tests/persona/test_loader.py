import pytest

from resonant.errors import UnknownPersonaError
from resonant.persona import builtin_persona_names, load_persona


def test_three_personas_ship_and_load():
    names = builtin_persona_names()
    assert len(names) >= 3
    for name in names:
        persona = load_persona(name)
        assert persona.name == name
        assert persona.style


def test_persona_from_a_yaml_path(tmp_path):
    path = tmp_path / "kai.yaml"
    path.write_text(
        "name: kai\ndisplay_name: Kai\ndescription: A test persona.\n"
        "traits: {agreeableness: 0.2}\nbaseline: {v: -0.1, a: 0.0, d: 0.0}\n"
    )
    persona = load_persona(path)
    assert persona.display_name == "Kai"
    assert persona.traits.agreeableness == 0.2


def test_unknown_persona_lists_the_choices():
    with pytest.raises(UnknownPersonaError, match="willow"):
        load_persona("nobody")


def test_invalid_persona_file_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ndisplay_name: Bad\ndescription: x\ntraits: {agreeableness: 7}\n")
    with pytest.raises(UnknownPersonaError, match=r"bad\.yaml"):
        load_persona(path)
