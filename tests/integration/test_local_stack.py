"""The local stack itself: readiness, the authorizer, Cognito's guarantees, the clock."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import boto3
import jwt
import pytest
from botocore.exceptions import ClientError

from clinicflow.local.demo_users import DEMO_PASSWORD
from clinicflow.local.stack import LocalStack

pytestmark = pytest.mark.integration


def test_health_answers_when_ready(anonymous):
    response = anonymous.call("GET", "/health")
    assert response.status == 200
    assert response.body["status"] == "ok"


def test_staff_route_without_token_is_401(anonymous):
    assert anonymous.call("POST", "/patients/search", {}).status == 401


def test_forged_token_is_401(stack, anonymous, login):
    real = login("sunrise-frontdesk").token
    claims = jwt.decode(real, options={"verify_signature": False})
    claims["custom:practice_id"] = "lakeside"
    forged = jwt.encode(claims, "not-the-pool-key", algorithm="HS256")
    anonymous.token = forged
    try:
        assert anonymous.call("POST", "/patients/search", {}).status == 401
    finally:
        anonymous.token = None


def test_access_token_is_not_accepted_as_id_token(stack, anonymous):
    cognito = stack.client("cognito-idp")
    auth = cognito.initiate_auth(
        ClientId=stack.portal_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "sunrise-admin", "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]
    anonymous.token = auth["AccessToken"]
    try:
        assert anonymous.call("POST", "/patients/search", {}).status == 401
    finally:
        anonymous.token = None


def test_id_token_carries_practice_and_role(login):
    token = login("lakeside-biller").token
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["custom:practice_id"] == "lakeside"
    assert claims["cognito:groups"] == ["biller"]


def test_users_cannot_change_their_own_practice(stack):
    cognito = stack.client("cognito-idp")
    auth = cognito.initiate_auth(
        ClientId=stack.portal_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "sunrise-frontdesk", "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]
    with pytest.raises(ClientError) as refused:
        cognito.update_user_attributes(
            AccessToken=auth["AccessToken"],
            UserAttributes=[{"Name": "custom:practice_id", "Value": "lakeside"}],
        )
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError) as immutable:
        cognito.admin_update_user_attributes(
            UserPoolId=stack.user_pool_id,
            Username="sunrise-frontdesk",
            UserAttributes=[{"Name": "custom:practice_id", "Value": "lakeside"}],
        )
    assert immutable.value.response["Error"]["Code"] == "InvalidParameterException"
    user = cognito.admin_get_user(UserPoolId=stack.user_pool_id, Username="sunrise-frontdesk")
    practice = {a["Name"]: a["Value"] for a in user["UserAttributes"]}["custom:practice_id"]
    assert practice == "sunrise"


def test_clock_fires_a_due_schedule_once_into_its_queue(stack: LocalStack):
    sqs = stack.client("sqs")
    scheduler = stack.client("scheduler")
    queue_url = sqs.create_queue(QueueName="clock-test")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    when = (stack.clock.now() + timedelta(hours=2)).astimezone(UTC).replace(tzinfo=None)
    scheduler.create_schedule(
        Name="clock-test",
        ScheduleExpression=f"at({when:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={
            "Arn": arn,
            "RoleArn": "arn:aws:iam::123456789012:role/x",
            "Input": json.dumps({"kind": "test"}),
        },
    )
    stack.advance_clock(timedelta(hours=1))
    assert sqs.receive_message(QueueUrl=queue_url).get("Messages", []) == []  # not yet due
    stack.advance_clock(timedelta(hours=1, minutes=1))
    stack.advance_clock(timedelta(minutes=10))  # a later tick must not fire it again
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in messages] == [{"kind": "test"}]
    names = [s["Name"] for s in scheduler.list_schedules()["Schedules"]]
    assert "clock-test" not in names


def test_clock_endpoint_refuses_moving_backwards(anonymous):
    response = anonymous.call("POST", "/_local/clock/advance", {"seconds": -5})
    assert response.status == 422
    assert "seconds" in response.body["message"]


def test_openapi_document_lists_staff_routes(anonymous):
    document = anonymous.call("GET", "/openapi.json").body
    assert document["openapi"].startswith("3.")
    assert "/patients/search" in document["paths"]
    docs = anonymous.call("GET", "/docs")
    assert docs.status == 200 and "swagger-ui" in docs.body


def test_stack_time_is_utc_now_plus_offset(stack: LocalStack):
    before = datetime.now(UTC) + stack.clock.offset
    time.sleep(0.01)
    assert stack.clock.now() >= before


def test_moto_server_is_serialised_and_unreachable_from_elsewhere(stack: LocalStack):
    assert stack.moto is not None and stack.moto.host == "127.0.0.1"
    s3 = boto3.client("s3", endpoint_url=stack.moto.endpoint, region_name="us-east-1")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "clinicflow-local-documents-bucket" in names


def test_portal_is_served_from_the_same_process(anonymous):
    page = anonymous.call("GET", "/portal/")
    assert page.status == 200
    assert "synthetic data only" in page.body
    assert anonymous.call("GET", "/portal/../template.yaml").status == 404


def test_an_invited_user_gets_the_invitation_and_signs_in(stack, login):
    admin = login("sunrise-admin")
    invited = admin.call(
        "POST",
        "/staff",
        {
            "email": "new.biller@example.org",
            "name": "New Biller",
            "role": "biller",
            "username": "sunrise-newbiller",
        },
    )
    assert invited.status == 201, invited.body
    mail = [m for m in stack.outbox.messages(to="new.biller@example.org")]
    assert len(mail) == 1 and mail[0].source == "cognito-invitation"
    password = mail[0].body.split("temporary password is ")[1].split(".")[0]
    cognito = stack.client("cognito-idp")
    challenge = cognito.initiate_auth(
        ClientId=stack.portal_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "sunrise-newbiller", "PASSWORD": password},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = cognito.respond_to_auth_challenge(
        ClientId=stack.portal_client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "sunrise-newbiller", "NEW_PASSWORD": "Another-Demo-2026!"},
    )
    claims = jwt.decode(
        done["AuthenticationResult"]["IdToken"], options={"verify_signature": False}
    )
    assert claims["custom:practice_id"] == "sunrise"
    outbox = admin.call("GET", "/_local/outbox").body["messages"]
    assert any(m["to"] == "new.biller@example.org" for m in outbox)


def test_concurrent_requests_of_two_practices_never_cross(login):
    from concurrent.futures import ThreadPoolExecutor

    sunrise, lakeside = login("sunrise-frontdesk"), login("lakeside-frontdesk")
    mine = {
        "sunrise": [p["id"] for p in sunrise.call("GET", "/patients?limit=10").body["items"]],
        "lakeside": [p["id"] for p in lakeside.call("GET", "/patients?limit=10").body["items"]],
    }
    jobs = [
        (client, name, pid)
        for client, name in ((sunrise, "sunrise"), (lakeside, "lakeside"))
        for pid in mine[name]
    ] * 3

    def read(job):
        client, _, pid = job
        return client.call("GET", f"/patients/{pid}")

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(read, jobs))
    assert [r.status for r in results] == [200] * len(jobs)
    assert [r.body["id"] for r in results] == [pid for _, _, pid in jobs]
