"""Infrastructure: settings, database, errors, security, the caller, the clock, middleware, OpenAPI."""
