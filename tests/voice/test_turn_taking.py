import pytest

from resonant.voice.turn_taking import TurnTaking, sounds_finished


@pytest.mark.parametrize(
    ("transcript", "finished"),
    [
        ("I lost my job today.", True),
        ("Why does this always happen to me?", True),
        ("I got the scholarship!", True),
        ("I lost my job today and", False),
        ("I lost my job today, and", False),
        ("So I was thinking, um", False),
        ("I went to see my", False),
        ("I lost my job today,", False),
        ("Well...", False),
        ("I lost my job today", None),  # no punctuation to go by
        ("", None),
        ("...", None),
    ],
)
def test_sounds_finished_reads_the_end_of_the_transcript(transcript, finished):
    assert sounds_finished(transcript) is finished


def test_the_pause_that_ends_a_turn_follows_the_transcript():
    taking = TurnTaking(silence_ms=700, finished_silence_ms=300, unfinished_silence_ms=1200)
    assert taking.silence_after("My dog died last night.") == 300
    assert taking.silence_after("My dog died last night and") == 1200
    assert taking.silence_after("My dog died last night") == 700
    assert taking.silence_after(None) == 700  # not transcribed yet: the ordinary pause
