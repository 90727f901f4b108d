"""The Gradio UI: one module per tab (or pair of tabs); each builds its components and wires events."""
