"""Roles and responsibilities (5.3) of ISO 9001:2015."""
