"""Properties of the personality-affected transition model (formula in its docstring)."""

import itertools

import pytest

from resonant.affect import VAD
from resonant.persona import BigFive, Persona, load_persona, next_agent_vad
from resonant.persona.transition import TransitionParams


def persona_with(**traits) -> Persona:
    base = load_persona("willow")
    return base.model_copy(update={"traits": BigFive(**traits)})


SAD_USER = VAD(-0.7, -0.3, -0.4)


def test_without_stimulus_the_agent_decays_to_its_baseline():
    persona = load_persona("sol")
    vad = VAD(-0.9, 0.9, -0.9)
    distances = []
    for _ in range(40):
        vad = next_agent_vad(vad, VAD(), persona)
        diff = vad - persona.baseline_vad
        distances.append(abs(diff.v) + abs(diff.a) + abs(diff.d))
    assert all(later < earlier for earlier, later in itertools.pairwise(distances[:10]))
    assert distances[-1] < 1e-3


@pytest.mark.parametrize("name", ["willow", "sol", "sage"])
def test_outputs_stay_in_range_for_extreme_inputs(name):
    persona = load_persona(name)
    corners = [VAD(*c) for c in itertools.product((-1.0, 1.0), repeat=3)]
    for previous, user in itertools.product(corners, corners):
        for emotion in ("joy", "anger", "fear", "sadness", "unknown-label"):
            out = next_agent_vad(previous, user, persona, emotion, 1.0)
            assert all(-1.0 <= x <= 1.0 for x in (out.v, out.a, out.d))


def test_agreeable_personas_mirror_a_sad_users_valence_more():
    warm = persona_with(agreeableness=0.95)
    cold = persona_with(agreeableness=0.05)
    start = warm.baseline_vad
    assert (
        next_agent_vad(start, SAD_USER, warm, "sadness", 0.9).v
        < next_agent_vad(start, SAD_USER, cold, "sadness", 0.9).v
    )


def test_neurotic_personas_move_further_in_one_turn():
    reactive = persona_with(neuroticism=0.9)
    stable = persona_with(neuroticism=0.1)
    start = reactive.baseline_vad
    angry = VAD(-0.6, 0.8, 0.3)

    def moved(persona):
        step = next_agent_vad(start, angry, persona, "anger", 0.9) - start
        return abs(step.v) + abs(step.a) + abs(step.d)

    assert moved(reactive) > moved(stable)


def test_conscientious_personas_have_more_inertia():
    assert (
        TransitionParams.from_traits(BigFive(conscientiousness=0.9)).responsiveness
        < TransitionParams.from_traits(BigFive(conscientiousness=0.1)).responsiveness
    )


def test_dominance_is_complementary_to_a_powerless_user():
    persona = load_persona("sage")
    start = persona.baseline_vad
    after = next_agent_vad(start, VAD(-0.5, 0.5, -0.8), persona, "fear", 0.9)
    assert after.d > start.d


def test_joy_is_shared():
    persona = load_persona("sol")
    start = persona.baseline_vad
    assert next_agent_vad(start, VAD(0.8, 0.5, 0.3), persona, "joy", 0.9).v > start.v
