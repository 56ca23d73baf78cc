"""The public datasets as the evals and training read them: loaders, splits, embeddings."""

from resonant_tools.data.loaders import DatasetError, load_emobank, load_goemotions, load_reccon

__all__ = ["DatasetError", "load_emobank", "load_goemotions", "load_reccon"]
