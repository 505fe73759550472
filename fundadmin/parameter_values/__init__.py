"""Parameter values entered at run time by a country's administrators (four eyes, audited)."""
