"""Scripts that make a shipped file from another (python -m export.<stem>): they train nothing."""
