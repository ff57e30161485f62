"""Views of the quality policy, one module per feature."""
