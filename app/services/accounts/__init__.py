"""Accounts: sign-in, users, service accounts, the audit trail read back."""

from app.services.accounts.audit_chain import seal_checkpoint

__all__ = ["seal_checkpoint"]
