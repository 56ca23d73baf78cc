"""User interfaces built on the Agent: the Gradio demo."""
