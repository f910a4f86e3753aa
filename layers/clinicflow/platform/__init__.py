"""Cross-cutting concerns: configuration, identity and tenancy, errors, HTTP plumbing."""
