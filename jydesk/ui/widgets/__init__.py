"""Input helpers shared by the features: fields with their error line, questions, wait buttons."""
