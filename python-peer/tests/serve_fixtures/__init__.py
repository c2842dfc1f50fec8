"""Modules served by ``python -m picklebridge serve`` in the serve tests."""
