import pytest

from resonant.text import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I finally finished my thesis and I can't believe it", "en"),
        ("Ya no quiero vivir, estoy muy cansada de todo", "es"),
        ("Ich will nicht mehr leben, es ist alles zu viel", "de"),
        ("Je ne veux plus vivre, c'est trop dur", "fr"),
        ("Não quero mais viver, estou muito cansado", "pt"),
        ("Non voglio più vivere, sono molto stanca", "it"),
    ],
)
def test_the_main_languages_are_told_apart(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["kms", "Okay.", "", "🙂🙂", "12345"])
def test_too_little_text_is_unknown(text):
    assert detect_language(text) == "unknown"


def test_huge_input_is_read_only_in_part():
    assert detect_language("the cat and the dog " * 200_000) == "en"
