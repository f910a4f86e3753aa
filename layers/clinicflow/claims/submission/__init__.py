"""Claim submission: clearinghouse profile, 837P files via SQS, acknowledgments, billing cycle."""
