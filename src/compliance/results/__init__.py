"""Values that cross the stages of a check: statuses and reason codes, periods, submission
identities, findings, data problems, file outcomes and runs.  Every type here is immutable
and pickles, so a stage can hand it to another process or machine."""
