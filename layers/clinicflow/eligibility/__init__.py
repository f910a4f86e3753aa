"""Eligibility: real-time insurance verification (X12 270/271) of a patient coverage."""
