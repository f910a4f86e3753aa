"""Claim submission: clearinghouse profile, 837P files via SQS, acknowledgments, billing cycle.

The path of a claim (docs/claims-submission.md):

1. `submit_claim` / `queue_claims`: ready -> queued, a DynamoDB condition on (claim, version),
   then a message (ids only) on the SQS claim queue: one per claim submitted alone, one per
   payer for the billing cycle's bulk queueing.
2. `send_queued` (the queue's Lambda, and the billing cycle): for one practice and payer,
   open a file record (`building`), **bind** every queued claim to it — the gate: a
   transaction that makes the claim `submitted` in that file only if it is still queued at the
   version read, so a claim is in one file whatever the duplicate deliveries or racing
   workers —, build the 837P, store it in S3 (`stored`), then send it through the
   clearinghouse port (`sent`). A file interrupted at any point is finished by the next run
   (leases, and a rebuild from the bound claims that yields the same bytes); the port is
   idempotent by file name, so a re-sent file is never delivered twice.
3. `handle_messages`: a message is done when its claim left `queued` and its file was sent;
   otherwise it is reported as a batch item failure and retried (then the DLQ).
4. `ingest`: collect 999/277CA files, store each raw file in S3 before parsing, match them
   (999 by GS06 control number; 277CA by our file id in 2000B TRN02 and CLM01 = claim id),
   move claims to accepted/rejected with the payer's reason in plain words.
"""
