"""Operators of the OCP provider."""
