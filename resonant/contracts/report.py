"""Collecting broken rules, so one run reports all of them instead of the first."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# Input every plugin meets sooner or later.
EMPTY = ""
EMOJI = "😭😭😭 🙏"
NON_ENGLISH = ("Estoy muy triste porque perdí mi trabajo.", "我今天很难过, 因为我的猫死了。")
LONG = " ".join(["I have been thinking about everything that happened this year."] * 300)
THREADS = 4


class ContractViolation(AssertionError):
    """A plugin broke one or more rules of its contract; `problems` lists each one."""

    def __init__(self, plugin: str, problems: list[str]):
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{plugin} breaks its contract:\n{listed}")


class Findings:
    """The rules a plugin broke, gathered while the checks run."""

    def __init__(self, plugin: str):
        self.plugin = plugin
        self.problems: list[str] = []

    def expect(self, condition: bool, problem: str) -> bool:
        if not condition:
            self.problems.append(problem)
        return condition

    def attempt(
        self, what: str, call: Callable[[], T], allowed: tuple[type[BaseException], ...] = ()
    ) -> T | None:
        """`call()`, noting any exception other than the `allowed` ones (which are the
        clear errors a contract permits, e.g. ResonantError for input it cannot use)."""
        try:
            return call()
        except allowed:
            return None
        except Exception as exc:  # the point: any other failure is a finding
            self.problems.append(f"{what} raised {type(exc).__name__}: {exc}")
            return None

    def raise_if_any(self) -> None:
        if self.problems:
            raise ContractViolation(self.plugin, self.problems)


def in_threads(call: Callable[[Any], T], inputs: list[Any]) -> list[T]:
    """`call` over `inputs` from THREADS threads at once, results in input order."""
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(call, inputs))
