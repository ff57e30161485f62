"""Leadership (5.1) of ISO 9001:2015."""
