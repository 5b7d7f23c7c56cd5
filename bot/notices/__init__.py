"""Meeting notices with confirmations."""
