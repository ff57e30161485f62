"""Template tags of the policy app."""
