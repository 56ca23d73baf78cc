"""Conformance checks for plugin authors: does my skill, chat model, transcriber or
synthesizer keep the contract the agent relies on?

Call one in your own tests (LangGraph ships its checkpointer conformance suite the same
way); every built-in backend passes them in resonant's test suite::

    from resonant.contracts import check_skill
    check_skill(MySkill())        # raises ContractViolation listing every broken rule

Each check feeds the plugin empty, long, emoji and non-English input, calls it from
several threads at once, calls it twice to compare, and round-trips what it returns
through JSON or PCM16, as the agent, the checkpointer and the server will.
"""

from resonant.contracts.chat_models import check_chat_model
from resonant.contracts.report import ContractViolation
from resonant.contracts.skills import check_skill
from resonant.contracts.voice import check_synthesizer, check_transcriber

__all__ = [
    "ContractViolation",
    "check_chat_model",
    "check_skill",
    "check_synthesizer",
    "check_transcriber",
]
