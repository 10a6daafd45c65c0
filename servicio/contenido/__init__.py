"""Answers promoters can edit, review and keep fresh, served to Rasa through its NLG endpoint."""
