"""The embedded local stack: DynamoDB Local + moto server + the API, on 127.0.0.1.

For trying ClinicFlow and for development only - never for real PHI.
"""
