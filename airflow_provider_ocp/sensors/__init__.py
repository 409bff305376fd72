"""Sensors of the OCP provider."""
