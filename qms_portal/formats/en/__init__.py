"""English (and so en-gb) formats of the portal."""
