"""The `nudge` command."""
