"""The local stack's pure parts: template resolution, routes, schedules, proxy events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from clinicflow.local.apigateway import lambda_response, proxy_event
from clinicflow.local.clock import Clock, at_time
from clinicflow.local.provision import physical_name
from clinicflow.local.template import ApiRoute, Template
from clinicflow.platform.identity import Role, parse_groups
from tests.conftest import ROOT


def test_template_routes_come_from_api_events():
    template = Template.from_file(ROOT / "template.yaml")
    routes = {(r.method, r.path): r for r in template.routes()}
    search = routes[("POST", "/patients/search")]
    assert search.function == "PatientsFunction"
    assert search.authorized


def test_intrinsics_resolve_to_local_names():
    template = Template(root=ROOT, body={"Parameters": {"Stage": {"Default": "prod"}}})
    template.physical["Table"] = "clinicflow-local-table"
    template.arns["Table"] = "arn:aws:dynamodb:us-east-1:123456789012:table/t"
    resolved = template.resolve(
        {
            "a": {"Ref": "Table"},
            "b": {"Fn::GetAtt": ["Table", "Arn"]},
            "c": {"Fn::Sub": "clinicflow-${Stage}-${AWS::Region}-${Table.Arn}"},
            "d": {"Fn::Join": ["/", [{"Ref": "Table"}, "x"]]},
            "e": {"Fn::Sub": ["${X}-y", {"X": {"Ref": "Table"}}]},
        }
    )
    assert resolved == {
        "a": "clinicflow-local-table",
        "b": "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        "c": "clinicflow-local-us-east-1-arn:aws:dynamodb:us-east-1:123456789012:table/t",
        "d": "clinicflow-local-table/x",
        "e": "clinicflow-local-table-y",
    }


def test_physical_names_are_deterministic_and_s3_safe():
    assert physical_name("DocumentsBucket") == "clinicflow-local-documents-bucket"
    assert physical_name("MainTable") == "clinicflow-local-main-table"


def test_route_pattern_captures_path_parameters():
    route = ApiRoute("F", "GET", "/patients/{patient_id}/coverages/{coverage_id}", True)
    match = route.pattern.match("/patients/p1/coverages/c2")
    assert match and match.groupdict() == {"patient_id": "p1", "coverage_id": "c2"}
    assert route.pattern.match("/patients/p1/coverages") is None


@pytest.mark.parametrize(
    ("expression", "zone", "expected"),
    [
        ("at(2026-03-08T08:00:00)", "America/New_York", datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        ("at(2026-03-07T08:00:00)", "America/New_York", datetime(2026, 3, 7, 13, 0, tzinfo=UTC)),
        ("at(2026-11-01T08:00:00)", None, datetime(2026, 11, 1, 8, 0, tzinfo=UTC)),
        ("rate(5 minutes)", None, None),
    ],
)
def test_one_time_schedules_honour_their_time_zone_across_dst(expression, zone, expected):
    assert at_time(expression, zone) == expected


def test_clock_moves_only_forward():
    clock = Clock()
    before = clock.now()
    assert clock.advance(timedelta(hours=3)) >= before + timedelta(hours=3)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))


def test_groups_claim_parses_every_api_gateway_spelling():
    assert parse_groups("admin") == {Role.ADMIN}
    assert parse_groups("front-desk,biller") == {Role.FRONT_DESK, Role.BILLER}
    assert parse_groups("[provider admin]") == {Role.PROVIDER, Role.ADMIN}
    assert parse_groups(["biller", "unknown"]) == {Role.BILLER}
    assert parse_groups(None) == frozenset()


def test_proxy_event_has_the_shape_api_gateway_sends():
    builder = EnvironBuilder(
        path="/patients/p1",
        method="PATCH",
        json={"preferred_name": "x"},
        query_string="a=1&a=2",
        headers={"Authorization": "t"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    request = Request(builder.get_environ())
    route = ApiRoute("PatientsFunction", "PATCH", "/patients/{patient_id}", True)
    event = proxy_event(request, route, {"patient_id": "p1"}, {"custom:practice_id": "sunrise"})
    assert event["resource"] == "/patients/{patient_id}"
    assert event["path"] == "/patients/p1"
    assert event["pathParameters"] == {"patient_id": "p1"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["requestContext"]["identity"]["sourceIp"] == "10.1.2.3"
    assert event["requestContext"]["authorizer"]["claims"]["custom:practice_id"] == "sunrise"
    assert event["body"] == '{"preferred_name": "x"}'
    assert event["isBase64Encoded"] is False


def test_lambda_response_maps_status_headers_and_base64_bodies():
    response = lambda_response(
        {"statusCode": 201, "headers": {"X-A": "1"}, "body": "aGk=", "isBase64Encoded": True}
    )
    assert response.status_code == 201
    assert response.headers["X-A"] == "1"
    assert response.get_data() == b"hi"


def test_literal_routes_win_over_parameter_routes():
    from clinicflow.local.apigateway import LocalApi

    routes = [
        ApiRoute("Claims", "GET", "/claims/{claim_id}", True),
        ApiRoute("Queue", "GET", "/claims/work-queue", True),
    ]
    api = LocalApi(routes=routes, registry=None, authorizer=None)  # type: ignore[arg-type]
    ordered = api._by_precedence()
    assert [r.function for r in ordered] == ["Queue", "Claims"]
