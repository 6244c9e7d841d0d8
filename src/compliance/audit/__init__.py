"""The quarterly audit (``compliance audit``): see :mod:`compliance.audit.run`."""

from compliance.audit.run import (
    AuditRequest,
    AuditResult,
    audit_period,
    last_finished_quarter,
    run_audit,
)

__all__ = ["AuditRequest", "AuditResult", "audit_period", "last_finished_quarter", "run_audit"]
