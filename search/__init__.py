"""Reverse image matching and unified search for the Likeness catalog."""
