"""Handlers resolving requests on concurrent threads each see their own event."""

from __future__ import annotations

import json
import threading
import time

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from clinicflow.local.powertools_threads import make_powertools_thread_safe


def test_concurrent_requests_never_see_each_others_event():
    make_powertools_thread_safe()
    make_powertools_thread_safe()  # idempotent
    router = APIGatewayRouter()

    @router.get("/who/<name>")
    def who(name: str) -> dict[str, str]:
        time.sleep(0.005)  # let other threads start their requests meanwhile
        return {"name": name, "path": router.current_event.path}

    app = APIGatewayRestResolver(enable_validation=True)
    app.include_router(router)
    mismatches: list[int] = []

    def call(i: int) -> None:
        event = {
            "resource": "/who/{name}",
            "path": f"/who/n{i}",
            "httpMethod": "GET",
            "headers": {},
            "body": None,
            "requestContext": {},
            "isBase64Encoded": False,
            "queryStringParameters": None,
            "pathParameters": {"name": f"n{i}"},
        }
        body = json.loads(app.resolve(event, None)["body"])
        if body.get("path") != f"/who/n{i}":
            mismatches.append(i)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []
