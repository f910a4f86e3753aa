"""`clinicflow sms-inbound` and `clinicflow email-bounce`: simulate patients on the local stack.

    clinicflow sms-inbound --from +13035550142 --body C     # reply to the last text sent there
    clinicflow email-bounce --to robin@example.org          # bounce the last email sent there

Both call the running stack (`POST /_local/sms/inbound`, `POST /_local/email/bounce`); see
`clinicflow outbox` for what was sent and each message's delivery status.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any


def _post(data_dir: str | None, path: str, body: dict[str, Any]) -> int:
    from clinicflow.cli import _data_dir
    from clinicflow.local.tokens import stack_state

    try:
        state = stack_state(_data_dir(data_dir))
        request = urllib.request.Request(  # noqa: S310 (the local stack on loopback)
            f"{state['api_url']}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            print(response.read().decode())
    except urllib.error.HTTPError as exc:
        print(f"clinicflow: {exc.read().decode()}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"clinicflow: {exc}", file=sys.stderr)
        return 1
    return 0


def _sms_inbound(args: argparse.Namespace) -> int:
    body = {"from": args.sender, "body": args.body}
    if args.to:
        body["to"] = args.to
    return _post(args.data_dir, "/_local/sms/inbound", body)


def _email_bounce(args: argparse.Namespace) -> int:
    return _post(args.data_dir, "/_local/email/bounce", {"to": args.to, "type": args.type})


def register(commands: Any) -> None:
    """Add the messaging simulators to the `clinicflow` command's subparsers."""
    inbound = commands.add_parser(
        "sms-inbound", help="simulate a patient's text to the practice (local stack)"
    )
    inbound.add_argument("--from", dest="sender", required=True, help="the patient's number")
    inbound.add_argument("--body", required=True, help="the text, e.g. C, R, STOP, START")
    inbound.add_argument("--to", help="the practice's number (default: the last one that texted)")
    inbound.add_argument("--data-dir")
    inbound.set_defaults(func=_sms_inbound)
    bounce = commands.add_parser(
        "email-bounce", help="simulate an SES bounce or complaint (local stack)"
    )
    bounce.add_argument("--to", required=True, help="the address whose last email bounces")
    bounce.add_argument(
        "--type", choices=["Permanent", "Transient", "Complaint"], default="Permanent"
    )
    bounce.add_argument("--data-dir")
    bounce.set_defaults(func=_email_bounce)
