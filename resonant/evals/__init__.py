"""The evals harness: dataset loaders, metrics, suites and reports (`resonant eval`)."""

from resonant.evals.harness import run_eval
from resonant.evals.loaders import DatasetError, load_emobank, load_goemotions, load_reccon

__all__ = ["DatasetError", "load_emobank", "load_goemotions", "load_reccon", "run_eval"]
