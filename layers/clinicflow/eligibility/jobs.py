"""Entry points of the nightly batch: the scheduled planner and the SQS worker, with their ports.

The worker reports partial batch failures (`batchItemFailures`): a message whose payer has
no free slot is deferred (its visibility pushed out, with jitter) and reported, so SQS keeps
it; an unexpected error is reported too and, after the queue's maxReceiveCount, lands in the
DLQ. Logs carry ids, counts and error types only.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pydantic

from clinicflow.clearinghouse.directory import default_directory
from clinicflow.clearinghouse.endpoints import default_endpoints
from clinicflow.coverages.store import DynamoCoverageRepository
from clinicflow.eligibility import service
from clinicflow.eligibility.adapters import SliceSubjects
from clinicflow.eligibility.batch import (
    AppointmentSource,
    PayerLimiter,
    PrimaryCoverages,
    WorkItem,
    defer_seconds,
    plan_nightly,
    work,
)
from clinicflow.eligibility.batch_adapters import SchedulingAppointments, ServicePrimaryCoverages
from clinicflow.eligibility.batch_store import DynamoFlagStore, DynamoPayerLimiter, SqsWorkQueue
from clinicflow.eligibility.model import EligibilityCheck
from clinicflow.eligibility.store import (
    DynamoCheckRepository,
    DynamoSettingsRepository,
    S3DocumentStore,
)
from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository
from clinicflow.platform.config import settings
from clinicflow.platform.identity import Caller

logger = logging.getLogger("clinicflow.eligibility.jobs")


@dataclass
class BatchPorts:
    """What the planner and worker use; tests replace some with fakes."""

    source: AppointmentSource = field(default_factory=SchedulingAppointments)
    coverages: PrimaryCoverages | None = None
    limiter: PayerLimiter = field(default_factory=DynamoPayerLimiter)
    flags: DynamoFlagStore = field(default_factory=DynamoFlagStore)
    queue: SqsWorkQueue = field(default_factory=SqsWorkQueue)
    settings: DynamoSettingsRepository = field(default_factory=DynamoSettingsRepository)
    checks: DynamoCheckRepository = field(default_factory=DynamoCheckRepository)
    documents: S3DocumentStore = field(default_factory=S3DocumentStore)
    audit: DynamoAuditLog = field(default_factory=DynamoAuditLog)

    def primary(self) -> PrimaryCoverages:
        """The coverage port (made on first use)."""
        if self.coverages is None:
            self.coverages = ServicePrimaryCoverages(
                repo=DynamoCoverageRepository(), audit=self.audit
            )
        return self.coverages


_ports: BatchPorts | None = None


def ports() -> BatchPorts:
    """The deployed ports (made once per instance)."""
    global _ports
    if _ports is None:
        _ports = BatchPorts()
    return _ports


def run_nightly(event: dict[str, Any], *, batch: BatchPorts | None = None) -> dict[str, int]:
    """The scheduled planner: enqueue one check per upcoming appointment of the practice its
    schedule names (`{"practice_id": ...}`); an event naming none plans every practice with
    nightly checks on (a manual run)."""
    p = batch or ports()
    only = event.get("practice_id")
    if only is not None and (not isinstance(only, str) or not only):
        raise ValueError("practice_id: must be a practice id")
    sent = plan_nightly(
        practices=p.settings, source=p.source, queue=p.queue, now=datetime.now(UTC), only=only
    )
    return {"planned": sent}


class _Runner:
    """RunCheck: service.check_eligibility bound to the deployed ports."""

    def __init__(self, p: BatchPorts) -> None:
        self.p = p
        self.subjects = SliceSubjects(
            patient_repo=DynamoPatientRepository(),
            coverage_repo=DynamoCoverageRepository(),
            audit=p.audit,
        )

    def __call__(
        self,
        caller: Caller,
        patient_id: str,
        coverage_id: str,
        service_date: date,
        service_type: str,
    ) -> EligibilityCheck:
        outcome = service.check_eligibility(
            caller,
            service.CheckRequest(patient_id, coverage_id, service_date, [service_type]),
            subjects=self.subjects,
            clearinghouses=default_directory(),
            endpoints=default_endpoints(),
            documents=self.p.documents,
            checks=self.p.checks,
            audit=self.p.audit,
            settings=self.p.settings.get(caller.practice_id),
            test_usage=settings().is_local,
        )
        return outcome.check


def consume(event: dict[str, Any], *, batch: BatchPorts | None = None) -> dict[str, Any]:
    """The SQS worker: one check per message; partial failures reported."""
    p = batch or ports()
    runner = _Runner(p)
    failures: list[dict[str, str]] = []
    done = deferred = 0
    for record in event.get("Records", []):
        message_id = str(record.get("messageId", ""))
        try:
            item = WorkItem.model_validate_json(record.get("body") or "")
        except pydantic.ValidationError:
            logger.error("unreadable eligibility message", extra={"message_id": message_id})
            failures.append({"itemIdentifier": message_id})  # to the DLQ after the retries
            continue
        try:
            result = work(
                item,
                source=p.source,
                coverages=p.primary(),
                limiter=p.limiter,
                flags=p.flags,
                settings=p.settings.get(item.practice_id),
                run=runner,
            )
        except Exception as exc:  # reported: SQS redelivers, then the DLQ keeps it
            logger.error(
                "eligibility check failed",
                extra={"message_id": message_id, "error_type": type(exc).__name__},
            )
            failures.append({"itemIdentifier": message_id})
            continue
        if result.done:
            done += 1
            continue
        deferred += 1
        receives = int((record.get("attributes") or {}).get("ApproximateReceiveCount", "1"))
        try:
            p.queue.defer(str(record.get("receiptHandle")), defer_seconds(receives, random.random))
        except Exception as exc:  # the queue's own visibility timeout applies instead
            logger.warning("defer failed", extra={"error_type": type(exc).__name__})
        failures.append({"itemIdentifier": message_id})
    logger.info(
        "eligibility batch",
        extra={"done": done, "deferred": deferred, "failed": len(failures) - deferred},
    )
    return {"batchItemFailures": failures}
