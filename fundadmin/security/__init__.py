"""Sign-in, roles and scopes, tokens, personal-data encryption and the audit trail."""
