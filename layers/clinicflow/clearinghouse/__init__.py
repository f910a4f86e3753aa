"""Clearinghouse port and its adapters (sandbox now; a real-time CAQH CORE adapter later)."""
