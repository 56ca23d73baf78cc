"""Tooling beside the runtime: evals, training and the datasets they read.

Nothing under `resonant/` imports this package (a test walks the imports); the CLI finds
its `eval` and `train` commands through the `resonant.commands` entry points.
"""
