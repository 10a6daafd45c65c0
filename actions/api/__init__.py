"""Typed HTTP clients the Rasa actions use to talk to Orienta's services."""
