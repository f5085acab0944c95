"""Application assembly, settings, rendering and the command line."""
