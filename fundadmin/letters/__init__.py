"""Award letters: content (pure), languages, fonts, PDF rendering, storage and verification."""
