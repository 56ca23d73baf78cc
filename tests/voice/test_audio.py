import io
import time
import wave

import numpy as np
import pytest

from resonant.audio.samples import SPEECH_RATE, Audio, as_mono_float, prepare_speech, read_audio
from resonant.errors import AudioInputError


def wav_bytes(samples: np.ndarray, rate: int, width: int, channels: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def tone(seconds: float, rate: int, hz: float = 220.0, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_stereo_44k_int16_wav_becomes_16k_mono_with_the_same_duration():
    left = tone(1.0, 44_100)
    stereo = np.stack([left, left], axis=1)
    data = wav_bytes((stereo * 32767).astype("<i2"), 44_100, 2, 2)
    prepared = prepare_speech(read_audio(data))
    assert prepared.audio.sample_rate == SPEECH_RATE
    assert prepared.audio.seconds == pytest.approx(1.0, abs=0.01)
    assert np.max(np.abs(prepared.audio.samples)) == pytest.approx(0.5, abs=0.02)
    assert prepared.warnings == ()


@pytest.mark.parametrize("width", [1, 3, 4])
def test_8_24_and_32_bit_wavs_read_to_the_same_waveform(width):
    wave_ = tone(0.2, 8_000)
    if width == 1:
        raw = ((wave_ * 127) + 128).astype(np.uint8)
    elif width == 4:
        raw = (wave_ * 2**31).astype("<i4")
    else:
        ints = (wave_ * 2**23).astype("<i4")
        raw = np.frombuffer(ints.tobytes(), np.uint8).reshape(-1, 4)[:, :3].copy()
    audio = read_audio(wav_bytes(raw, 8_000, width, 1))
    assert audio.sample_rate == 8_000
    assert np.allclose(audio.samples, wave_, atol=0.02)
    assert "low sample rate" in prepare_speech(audio).warnings[0]


def test_empty_file_garbage_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(AudioInputError, match="empty"):
        read_audio(b"")
    with pytest.raises(AudioInputError, match="not a readable audio file"):
        read_audio(b"this is certainly not audio" * 100)
    with pytest.raises(AudioInputError, match="no audio file"):
        read_audio(tmp_path / "missing.wav")
    with pytest.raises(AudioInputError, match="0 samples"):
        prepare_speech(read_audio(wav_bytes(np.zeros(0, "<i2"), 16_000, 2, 1)))


def test_a_ten_minute_file_is_refused_at_once():
    long = Audio(np.zeros(600 * 8_000, np.float32), 8_000)
    started = time.perf_counter()
    with pytest.raises(AudioInputError, match="600 s long"):
        prepare_speech(long)
    assert time.perf_counter() - started < 1.0


def test_clipped_recordings_are_accepted_with_a_warning():
    clipped = np.clip(tone(1.0, 16_000, level=3.0), -1, 1)
    assert any("clipped" in w for w in prepare_speech(Audio(clipped, 16_000)).warnings)


def test_nan_audio_and_odd_shapes_are_refused():
    with pytest.raises(AudioInputError, match="NaN"):
        as_mono_float(np.array([0.0, np.nan], np.float32))
    with pytest.raises(AudioInputError, match="shape"):
        as_mono_float(np.zeros((2, 2, 2)))
    with pytest.raises(AudioInputError, match="sample rate"):
        prepare_speech(Audio(np.zeros(100, np.float32), 100))


def test_browser_style_int16_channels_first_and_int_scaled_floats_are_normalised():
    samples = (tone(0.1, 16_000) * 32767).astype(np.int16)
    assert np.allclose(as_mono_float(np.stack([samples, samples])), samples / 32767, atol=1e-3)
    assert np.max(np.abs(as_mono_float(samples.astype(np.float32)))) <= 1.0


def test_wav_round_trip_through_pcm16(tmp_path):
    audio = Audio(tone(0.5, 22_050), 22_050)
    audio.write_wav(tmp_path / "x.wav")
    back = read_audio(tmp_path / "x.wav")
    assert back.sample_rate == 22_050
    assert np.allclose(back.samples, audio.samples, atol=1e-3)
