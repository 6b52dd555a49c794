"""Dialogs: first-run set-up, login."""
