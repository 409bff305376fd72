"""Triggers of the OCP provider (run in the triggerer for deferrable sensors)."""
