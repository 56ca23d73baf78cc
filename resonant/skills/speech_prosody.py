"""speech-prosody: the user's arousal (and a little valence and dominance) from their voice.

Only runs on spoken turns (`SkillInput.audio`). The mapping follows what is robust in
the speech-emotion literature: arousal shows in speaking rate, pitch movement and
loudness; valence is barely audible in prosody alone, so it gets a small weight; loud,
steady speech reads as dominant. Features are compared with typical conversational
values (z-scores), because a single utterance has no speaker baseline.

No labelled emotional-speech corpus is reachable offline, so this mapping is a documented
heuristic, not a trained model; its confidence is kept low (at most 0.35) so that `appraise`
lets the trained text detectors dominate and the voice only shifts the reading.
"""

from __future__ import annotations

import math

from resonant.affect import VAD
from resonant.skills.base import Detection, SkillInput

# Typical values (mean, spread) for conversational adult speech at a sane recording level.
SYLLABLE_RATE = (5.5, 1.5)  # articulation rate: syllables per second of speech, pauses excluded
PITCH_SPREAD_SEMITONES = (2.5, 1.2)
LOUDNESS_DBFS = (-24.0, 6.0)
MAX_CONFIDENCE = 0.35
FULL_CONFIDENCE_SECONDS = 1.5


def _z(value: float, norm: tuple[float, float]) -> float:
    return max(-3.0, min(3.0, (value - norm[0]) / norm[1]))


class SpeechProsodySkill:
    name = "speech-prosody"
    kind = "vad"

    def detect(self, turn: SkillInput) -> Detection | None:
        if not turn.audio or not turn.sample_rate:
            return None
        # Imported here so text-only installs never load the audio stack.
        from resonant.audio.prosody import measure
        from resonant.audio.samples import Audio

        prosody = measure(Audio.from_pcm16(turn.audio, turn.sample_rate), turn.text)
        if prosody.speech_seconds < 0.3 or prosody.pitch_hz == 0.0:
            return None
        # Without a transcript the rate is unknown and counts as typical (z = 0).
        rate = _z(prosody.syllables_per_second or SYLLABLE_RATE[0], SYLLABLE_RATE)
        movement = _z(prosody.pitch_spread_semitones, PITCH_SPREAD_SEMITONES)
        loudness = _z(prosody.loudness_dbfs, LOUDNESS_DBFS)
        vad = VAD(
            v=math.tanh(0.15 * movement),
            a=math.tanh(0.45 * rate + 0.35 * movement + 0.25 * loudness),
            d=math.tanh(0.35 * loudness - 0.15 * movement),
        )
        confidence = MAX_CONFIDENCE * min(1.0, prosody.speech_seconds / FULL_CONFIDENCE_SECONDS)
        return Detection(
            skill=self.name,
            kind="vad",
            vad=vad.clamped(),
            score=confidence,
            scores={
                "syllables_per_second": prosody.syllables_per_second,
                "pitch_hz": prosody.pitch_hz,
                "pitch_spread_semitones": prosody.pitch_spread_semitones,
                "loudness_dbfs": prosody.loudness_dbfs,
            },
        )
