"""Wording at the edge: the one message catalogue and the formatting of numbers, units,
findings and data problems in the language a reader asked for."""
