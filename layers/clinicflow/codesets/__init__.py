"""Code sets the claims scrubber checks against, each release named and dated.

- ICD-10-CM (`icd10`): precomputed at build time (`clinicflow codesets build`) into a small
  gzip'd JSON artefact per release, loaded lazily on the first lookup; never XML at import.
- Place of service (`pos`): the CMS table, in code.
- CPT (format only), HCPCS Level II, NCCI procedure-to-procedure edits and MUEs
  (`procedures`, parsed from CMS's published files by `clinicflow codesets import-*`, stored
  in DynamoDB by `store`).
"""
