"""The evals harness: suites, metrics and reports (`resonant eval`)."""

from resonant_tools.evals.harness import run_eval

__all__ = ["run_eval"]
