"""What every area shares: jurisdiction scoping, paging, ETags, idempotency, the audit trail."""
