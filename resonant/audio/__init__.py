"""Audio as every layer sees it: mono float samples with their rate, and what they sound like.

`samples` reads, converts and checks audio (numpy and scipy only); `prosody` measures
loudness, pitch and speaking rate, which the speech-prosody skill reads. Both sit below
the skills and the voice pipeline, so neither has to import the other.
"""

from resonant.audio.samples import SPEECH_RATE, Audio, prepare_speech, read_audio

__all__ = ["SPEECH_RATE", "Audio", "prepare_speech", "read_audio"]
