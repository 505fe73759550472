"""fundadmin: the service shell around the ledger, claims and policies."""
