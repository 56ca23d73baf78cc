import pytest

from resonant.voice.whisper_window import without_repeats


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        ("I got the scholarship. I got the scholarship.", "I got the scholarship."),
        (
            "If you're good at something, never do it for free. If you're",
            "If you're good at something, never do it for free.",
        ),
        (
            "My dog died. I miss him so much. I miss him so much.",
            "My dog died. I miss him so much.",
        ),
        # Speech that repeats itself a little is left alone.
        ("Thank you, thank you.", "Thank you, thank you."),
        ("I know what I know.", "I know what I know."),
        ("No, no, no, no.", "No, no, no, no."),
        ("I miss her, I miss her so much.", "I miss her, I miss her so much."),
        ("", ""),
    ],
)
def test_a_transcript_that_loops_is_cut_to_its_first_saying(heard, kept):
    assert without_repeats(heard) == kept


def test_an_unknown_window_is_refused_before_any_model_loads():
    from resonant.errors import BackendConfigError
    from resonant.voice.stt import WhisperTranscriber

    with pytest.raises(BackendConfigError, match="window must be 'fit' or 'full'"):
        WhisperTranscriber(window="half")
    # A model that is not English-only reads the usual window: the fitted one is English.
    assert WhisperTranscriber("small", window="fit").window == "full"
    assert WhisperTranscriber(window="fit").window == "fit"
