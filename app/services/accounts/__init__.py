"""Accounts: sign-in, users, service accounts, the audit trail read back."""
