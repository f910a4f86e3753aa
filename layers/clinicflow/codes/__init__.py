"""Pure validators of healthcare identifiers and code sets, shared by every capability."""
