"""Patient messaging: consent, templates, quiet hours, SES email and End User Messaging SMS."""
