"""Quality policy (5.2) of ISO 9001:2015."""
