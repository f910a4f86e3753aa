"""Steps run against a deployed stack after `sam deploy` (publishing the portal)."""
