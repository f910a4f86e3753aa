"""functions/coverages/app.py with events from events/coverages/, against DynamoDB Local."""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clinicflow.audit.store import list_records
from clinicflow.platform.config import settings
from clinicflow.platform.dynamo import tenant_key
from clinicflow.platform.transact import Transaction
from tests.functional.conftest import load_event

PRACTICE = "prac-demo-a"


@pytest.fixture
def payers(tables: Any) -> None:
    """Payer directory entries as the practice slice stores them (PK <p>#PAYER, SK id)."""
    import boto3

    client = boto3.client("dynamodb", endpoint_url=tables.endpoint)
    for practice, payer_id, name, active in [
        (PRACTICE, "SYNTH01", "Synthetic Health PPO", True),
        (PRACTICE, "MCR01", "Synthetic Medicare Part B", True),
        (PRACTICE, "OLD01", "Retired Payer", False),
        ("prac-demo-b", "OTHER1", "Other Practice Payer", True),
    ]:
        client.put_item(
            TableName=settings().table_name,
            Item={
                "PK": {"S": tenant_key(practice, "PAYER")},
                "SK": {"S": payer_id},
                "name": {"S": name},
                "active": {"BOOL": active},
            },
        )


@pytest.fixture
def patient_id(invoke: Any, payers: None) -> str:
    res = invoke("patients", "patients/create.json")
    assert res.status == 201, res.body
    return str(res.body["id"])


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_event("coverages/create.json")["body"])
    body.update(changes)
    return body


def _add(invoke: Any, pid: str, **changes: Any) -> dict[str, Any]:
    res = invoke(
        "coverages", "coverages/create.json", path={"patient_id": pid}, body=_body(**changes)
    )
    assert res.status == 201, res.body
    return dict(res.body)


def _list(invoke: Any, pid: str, **kw: Any) -> Any:
    res = invoke("coverages", "coverages/list.json", path={"patient_id": pid}, **kw)
    assert res.status == 200, res.body
    return res.body


def _order(invoke: Any, pid: str) -> list[str]:
    return [c["id"] for c in _list(invoke, pid)["items"] if c["order"]]


def test_create_read_update_deactivate_with_audit(invoke: Any, patient_id: str) -> None:
    pid = patient_id
    created = _add(invoke, pid)
    cid = created["id"]
    assert created["order"] == 1
    assert created["order_label"] == "primary"
    assert created["payer_name"] == "Synthetic Health PPO"
    assert created["relationship"] == "01"
    assert created["subscriber"]["address"]["postal_code"] == "62701-1234"
    assert created["version"] == 1

    got = invoke("coverages", "coverages/get.json", path={"patient_id": pid, "coverage_id": cid})
    assert got.status == 200
    assert got.body == created

    upd = invoke("coverages", "coverages/update.json", path={"patient_id": pid, "coverage_id": cid})
    assert upd.status == 200, upd.body
    assert upd.body["group_number"] == "GRP-0043"
    assert upd.body["version"] == 2
    assert upd.body["member_id"] == created["member_id"]

    stale = invoke(
        "coverages", "coverages/update.json", path={"patient_id": pid, "coverage_id": cid}
    )
    assert stale.status == 409

    gone = invoke(
        "coverages", "coverages/deactivate.json", path={"patient_id": pid, "coverage_id": cid}
    )
    assert gone.status == 200
    assert gone.body["status"] == "inactive"
    assert gone.body["order"] is None
    listed = _list(invoke, pid)
    assert [c["status"] for c in listed["items"]] == ["inactive"]  # kept, never deleted

    records, _ = list_records(PRACTICE, subject_id=pid, limit=100)
    coverage_actions = sorted(
        (r.action.value, r.actor) for r in records if r.resource_type == "coverage"
    )
    assert coverage_actions == sorted(
        [
            ("create", "biller.demo"),
            ("read", "biller.demo"),
            ("update", "biller.demo"),
            ("delete", "frontdesk.demo"),
            ("read", "biller.demo"),
        ]
    )


def test_new_primary_moves_others_down_and_deactivation_moves_them_up(
    invoke: Any, patient_id: str
) -> None:
    pid = patient_id
    first = _add(invoke, pid, order=None)
    second = _add(invoke, pid, order=None, member_id="SECOND1")
    assert (first["order"], second["order"]) == (1, 2)
    new_primary = _add(invoke, pid, order=1, member_id="NEW1")
    assert _order(invoke, pid) == [new_primary["id"], first["id"], second["id"]]
    fourth = _add(invoke, pid, order=None, member_id="FOURTH")
    assert fourth["order"] is None  # three are ordered already
    too_many = invoke(
        "coverages", "coverages/create.json", path={"patient_id": pid}, body=_body(order=2)
    )
    assert too_many.status == 422
    invoke(
        "coverages",
        "coverages/deactivate.json",
        path={"patient_id": pid, "coverage_id": new_primary["id"]},
    )
    assert _order(invoke, pid) == [first["id"], second["id"]]


def test_atomic_reorder(invoke: Any, patient_id: str) -> None:
    pid = patient_id
    a = _add(invoke, pid, order=None)
    b = _add(invoke, pid, order=None, member_id="B2")
    listed = _list(invoke, pid)
    res = invoke(
        "coverages",
        "coverages/reorder.json",
        path={"patient_id": pid},
        body={"coverage_ids": [b["id"], a["id"]], "version": listed["order_version"]},
    )
    assert res.status == 200, res.body
    assert [(c["id"], c["order_label"]) for c in res.body["items"]] == [
        (b["id"], "primary"),
        (a["id"], "secondary"),
    ]
    assert res.body["order_version"] == listed["order_version"] + 1
    # the same request again is stale: the order moved on
    again = invoke(
        "coverages",
        "coverages/reorder.json",
        path={"patient_id": pid},
        body={"coverage_ids": [a["id"], b["id"]], "version": listed["order_version"]},
    )
    assert again.status == 409
    assert _order(invoke, pid) == [b["id"], a["id"]]
    # unknown ids, repeats and unlisted coverages
    bad = invoke(
        "coverages",
        "coverages/reorder.json",
        path={"patient_id": pid},
        body={"coverage_ids": [a["id"], a["id"], "f" * 32], "version": res.body["order_version"]},
    )
    assert bad.status == 422
    assert {f["field"] for f in bad.body["fields"]} == {"coverage_ids", "coverage_ids.2"}
    only_b = invoke(
        "coverages",
        "coverages/reorder.json",
        path={"patient_id": pid},
        body={"coverage_ids": [b["id"]], "version": res.body["order_version"]},
    )
    assert only_b.status == 200
    assert _order(invoke, pid) == [b["id"]]
    records, _ = list_records(PRACTICE, subject_id=pid, limit=100)
    assert sum(r.resource_type == "coverage_order" for r in records) == 2


def test_concurrent_reorders_cannot_interleave(patient_id: str, invoke: Any) -> None:
    from clinicflow.coverages.store import DynamoCoverageRepository

    pid = patient_id
    ids = [_add(invoke, pid, order=None, member_id=f"M{i}")["id"] for i in range(3)]
    repo = DynamoCoverageRepository()
    coverages, order = repo.coverages_of(PRACTICE, pid)
    barrier = threading.Barrier(2)
    real_commit = Transaction.commit
    outcomes: list[str] = []

    def commit(self: Transaction, **kw: Any) -> None:
        barrier.wait(timeout=10)
        real_commit(self, **kw)

    from clinicflow.audit.model import Action, AuditRecord
    from clinicflow.coverages.model import CoverageOrder, OrderChangedError
    from clinicflow.platform.identity import Caller, Role

    caller = Caller("biller.demo", PRACTICE, frozenset({Role.BILLER}))

    def reorder(new: list[str]) -> None:
        try:
            repo.reorder(
                PRACTICE,
                pid,
                order_before=order,
                order_after=CoverageOrder(ids=tuple(new), version=order.version + 1),
                ordered=[c for c in coverages if c.id in new],
                audit=AuditRecord.of(caller, Action.UPDATE, "coverage_order", pid, patient_id=pid),
            )
            outcomes.append("won")
        except OrderChangedError:
            outcomes.append("conflict")

    Transaction.commit = commit  # type: ignore[method-assign]
    try:
        threads = [
            threading.Thread(target=reorder, args=([ids[2], ids[1], ids[0]],)),
            threading.Thread(target=reorder, args=([ids[1], ids[0]],)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    finally:
        Transaction.commit = real_commit  # type: ignore[method-assign]
    assert sorted(outcomes) == ["conflict", "won"]
    final = _order(invoke, pid)
    assert final in ([ids[2], ids[1], ids[0]], [ids[1], ids[0]])


def test_medicare_secondary_needs_msp_type(invoke: Any, patient_id: str) -> None:
    pid = patient_id
    _add(invoke, pid, order=None)
    medicare = {
        "payer_id": "MCR01",
        "claim_filing_indicator": "MB",
        "relationship": "18",
        "subscriber": None,
    }
    res = invoke(
        "coverages",
        "coverages/create.json",
        path={"patient_id": pid},
        body=_body(order=None, **medicare),
    )
    assert res.status == 422
    assert res.body["fields"] == [
        {"field": "msp_type", "message": "is required when Medicare is a secondary payer"}
    ]
    primary = _add(invoke, pid, order=1, **medicare)  # Medicare primary needs no SBR05
    listed = _list(invoke, pid)
    other = next(c for c in listed["items"] if c["id"] != primary["id"])
    swap = invoke(
        "coverages",
        "coverages/reorder.json",
        path={"patient_id": pid},
        body={"coverage_ids": [other["id"], primary["id"]], "version": listed["order_version"]},
    )
    assert swap.status == 422
    assert swap.body["fields"][0]["field"] == "coverage_ids.1"
    fixed = invoke(
        "coverages",
        "coverages/update.json",
        path={"patient_id": pid, "coverage_id": primary["id"]},
        body={"version": 1, "msp_type": "12"},
    )
    assert fixed.status == 200, fixed.body
    swap = invoke(
        "coverages",
        "coverages/reorder.json",
        path={"patient_id": pid},
        body={"coverage_ids": [other["id"], primary["id"]], "version": listed["order_version"]},
    )
    assert swap.status == 200
    commercial_msp = invoke(
        "coverages",
        "coverages/update.json",
        path={"patient_id": pid, "coverage_id": other["id"]},
        body={"version": other["version"], "msp_type": "12"},
    )
    assert commercial_msp.status == 422
    assert commercial_msp.body["fields"][0]["field"] == "msp_type"


def test_invalid_input_answers_422_naming_each_field(invoke: Any, patient_id: str) -> None:
    body = _body(
        claim_filing_indicator="XX",
        msp_type="99",
        relationship="77",
        member_id="",
        effective_date="2025-13-01",
        order=4,
    )
    res = invoke("coverages", "coverages/create.json", path={"patient_id": patient_id}, body=body)
    assert res.status == 422
    assert {
        "claim_filing_indicator",
        "msp_type",
        "relationship",
        "member_id",
        "effective_date",
        "order",
    } <= {f["field"] for f in res.body["fields"]}
    rules = _body(
        relationship="18",
        effective_date="2025-06-01",
        termination_date="2025-05-31",
        assignment_of_benefits={"on_file": True},
    )
    res = invoke("coverages", "coverages/create.json", path={"patient_id": patient_id}, body=rules)
    assert res.status == 422
    assert {f["field"] for f in res.body["fields"]} == {
        "subscriber",
        "termination_date",
        "assignment_of_benefits.signed_on",
    }
    child = _body(relationship="19", subscriber=None)
    res = invoke("coverages", "coverages/create.json", path={"patient_id": patient_id}, body=child)
    assert [f["field"] for f in res.body["fields"]] == ["subscriber"]


@pytest.mark.parametrize(
    ("payer_id", "message"),
    [("NOPE1", "payer directory"), ("OLD01", "inactive"), ("OTHER1", "payer directory")],
)
def test_payer_must_be_in_the_practice_directory(
    invoke: Any, patient_id: str, payer_id: str, message: str
) -> None:
    res = invoke(
        "coverages",
        "coverages/create.json",
        path={"patient_id": patient_id},
        body=_body(payer_id=payer_id),
    )
    assert res.status == 422
    assert res.body["fields"][0]["field"] == "payer_id"
    assert message in res.body["fields"][0]["message"]


def test_other_practice_and_unknown_patient_get_404(invoke: Any, patient_id: str) -> None:
    cid = _add(invoke, patient_id)["id"]
    both = {"patient_id": patient_id, "coverage_id": cid}
    for event, path in [
        ("coverages/list.json", {"patient_id": patient_id}),
        ("coverages/create.json", {"patient_id": patient_id}),
        ("coverages/get.json", both),
        ("coverages/update.json", both),
        ("coverages/deactivate.json", both),
        ("coverages/reorder.json", {"patient_id": patient_id}),
        ("coverages/card_upload.json", both),
        ("coverages/card_list.json", both),
    ]:
        res = invoke("coverages", event, path=path, practice_id="prac-demo-b")
        assert res.status == 404, event
    assert invoke("coverages", "coverages/list.json", path={"patient_id": "a" * 32}).status == 404
    assert (
        invoke(
            "coverages",
            "coverages/get.json",
            path={"patient_id": patient_id, "coverage_id": "b" * 32},
        ).status
        == 404
    )


@pytest.mark.parametrize(
    ("event", "groups", "status"),
    [
        ("coverages/create.json", "provider", 403),
        ("coverages/create.json", "front-desk", 201),
        ("coverages/update.json", "provider", 403),
        ("coverages/deactivate.json", "provider", 403),
        ("coverages/reorder.json", "provider", 403),
        ("coverages/card_upload.json", "provider", 403),
        ("coverages/list.json", "provider", 200),
        ("coverages/get.json", "provider", 200),
        ("coverages/card_list.json", "provider", 200),
    ],
)
def test_roles(invoke: Any, patient_id: str, event: str, groups: str, status: int) -> None:
    cid = _add(invoke, patient_id)["id"]
    res = invoke(
        "coverages", event, path={"patient_id": patient_id, "coverage_id": cid}, groups=groups
    )
    assert res.status == status, res.body


def test_card_images_presigned_urls(invoke: Any, patient_id: str) -> None:
    cid = _add(invoke, patient_id)["id"]
    path = {"patient_id": patient_id, "coverage_id": cid}
    assert invoke("coverages", "coverages/card_list.json", path=path).body == {"items": []}
    up = invoke("coverages", "coverages/card_upload.json", path=path)
    assert up.status == 201, up.body
    url = urlsplit(up.body["url"])
    key = f"{PRACTICE}/cards/{patient_id}/{cid}/front"
    assert url.path.endswith("/" + key)
    assert settings().documents_bucket in url.netloc + url.path
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["300"]
    assert "content-type" in query["X-Amz-SignedHeaders"][0]
    assert up.body["headers"] == {"Content-Type": "image/jpeg"}
    invoke(
        "coverages",
        "coverages/card_upload.json",
        path=path,
        body={"side": "back", "content_type": "application/pdf"},
    )
    got = invoke("coverages", "coverages/card_list.json", path=path)
    assert [(i["side"], i["content_type"]) for i in got.body["items"]] == [
        ("back", "application/pdf"),
        ("front", "image/jpeg"),
    ]
    assert all(urlsplit(i["url"]).path.endswith(f"/{cid}/{i['side']}") for i in got.body["items"])
    bad = invoke(
        "coverages",
        "coverages/card_upload.json",
        path=path,
        body={"side": "left", "content_type": "image/gif"},
    )
    assert bad.status == 422
    assert {f["field"] for f in bad.body["fields"]} == {"side", "content_type"}
    records, _ = list_records(PRACTICE, subject_id=patient_id, limit=100)
    cards = sorted(r.action.value for r in records if r.resource_type == "coverage_card")
    assert cards == ["create", "create", "read", "read"]
    coverage = invoke("coverages", "coverages/get.json", path=path).body
    assert coverage["card_sides"] == ["back", "front"]
    assert coverage["version"] == 1  # card uploads don't invalidate an edit in progress


def test_card_upload_url_works_against_s3(invoke: Any, patient_id: str) -> None:
    """The presigned PUT really uploads (moto's S3, only around S3 calls)."""
    import boto3
    import requests
    from moto import mock_aws

    from clinicflow.coverages import store

    cid = _add(invoke, patient_id)["id"]
    with mock_aws():
        store._s3.cache_clear()
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=settings().documents_bucket)
        up = invoke(
            "coverages",
            "coverages/card_upload.json",
            path={"patient_id": patient_id, "coverage_id": cid},
        )
        put = requests.put(
            up.body["url"],
            data=b"\xff\xd8synthetic",
            headers={"Content-Type": "image/jpeg"},
            timeout=10,
        )
        assert put.status_code == 200
        down = invoke(
            "coverages",
            "coverages/card_list.json",
            path={"patient_id": patient_id, "coverage_id": cid},
        )
        got = requests.get(down.body["items"][0]["url"], timeout=10)
        assert got.content == b"\xff\xd8synthetic"
    store._s3.cache_clear()
