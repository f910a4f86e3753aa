"""Claim submission: clearinghouse profile, 837P files through SQS, acknowledgments, billing cycle."""
