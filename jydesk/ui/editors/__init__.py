"""Record editors used inside panels."""
