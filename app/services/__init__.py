"""Use cases, one package per area of the work; `common` holds what they share."""
