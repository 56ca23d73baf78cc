"""Plugins are found through real entry points: each test installs a tiny distribution
(a .dist-info folder) on sys.path, exactly what `pip install` of a plugin leaves behind."""

import importlib
import logging
import sys
import textwrap

import pytest

from resonant.errors import BackendConfigError
from resonant.skills import DEFAULT_SKILLS, load_skills


@pytest.fixture
def install_plugin(tmp_path, monkeypatch):
    def install(module_source: str, entry_points: str) -> None:
        (tmp_path / "shouty_skill.py").write_text(textwrap.dedent(module_source))
        dist = tmp_path / "shouty_skill-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shouty-skill\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text(textwrap.dedent(entry_points))
        monkeypatch.syspath_prepend(str(tmp_path))
        importlib.invalidate_caches()

    yield install
    sys.modules.pop("shouty_skill", None)


PLUGIN = """
    from resonant.skills import Detection

    class ShoutSkill:
        name = "shout"
        kind = "emotion"

        def detect(self, turn):
            loud = turn.text.isupper()
            return Detection(skill=self.name, kind="emotion", label="anger" if loud else "neutral",
                             score=1.0 if loud else 0.0, scores={"anger": float(loud)})

    def broken():
        raise RuntimeError("this plugin is broken")
"""


def test_builtins_are_loaded_by_default():
    names = [skill.name for skill in load_skills()]
    assert names[: len(DEFAULT_SKILLS)] == list(DEFAULT_SKILLS)


def test_plugin_from_entry_point_is_loaded_and_usable(install_plugin):
    install_plugin(PLUGIN, "[resonant.skills]\nshout = shouty_skill:ShoutSkill\n")
    skills = {skill.name: skill for skill in load_skills()}
    assert "shout" in skills
    only = load_skills(["shout"])
    from resonant.skills import SkillInput

    assert only[0].detect(SkillInput("STOP IT")).label == "anger"


def test_broken_plugin_is_logged_and_skipped(install_plugin, caplog):
    install_plugin(
        PLUGIN,
        "[resonant.skills]\nshout = shouty_skill:ShoutSkill\nbad = shouty_skill:broken\n",
    )
    with caplog.at_level(logging.ERROR):
        names = [skill.name for skill in load_skills()]
    assert "shout" in names
    assert "bad" not in names
    assert "skipping skill plugin 'bad'" in caplog.text


def test_unknown_skill_name_is_a_clear_error():
    with pytest.raises(BackendConfigError, match=r"unknown skill 'nope'.*lexicon-emotion"):
        load_skills(["nope"])
