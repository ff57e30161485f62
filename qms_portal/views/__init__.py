"""Views of the shared core, one module per feature."""
