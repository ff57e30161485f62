"""Template tags of the leadership app."""
