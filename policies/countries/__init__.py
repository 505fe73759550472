"""One module per country; each reads its data file beside it."""
