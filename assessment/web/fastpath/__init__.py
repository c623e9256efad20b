"""The fast path: every piece that makes a respondent's page cheap to serve."""
