"""The empathy eval: multi-turn scenarios, automatic reply metrics, an optional LLM judge,
and the ablation ladder that measures what each signal fed to the LLM adds."""
