"""The `clinicflow` command."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path


def _checkout_root() -> Path:
    """The folder holding template.yaml: the working directory or the package's checkout."""
    for folder in (Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[2]):
        if (folder / "template.yaml").exists():
            return folder
    raise SystemExit("template.yaml not found: run clinicflow from a ClinicFlow checkout")


def _data_dir(option: str | None) -> Path:
    """--data-dir, else $CLINICFLOW_DATA_DIR, else .clinicflow/ in the checkout."""
    chosen = option or os.environ.get("CLINICFLOW_DATA_DIR")
    return Path(chosen) if chosen else _checkout_root() / ".clinicflow"


def _dev(args: argparse.Namespace) -> int:
    from clinicflow.local.demo_users import DEMO_PASSWORD, demo_users
    from clinicflow.local.stack import LocalStack, StackOptions

    root = _checkout_root()
    data_dir = _data_dir(args.data_dir)
    options = StackOptions(
        root=root,
        host=args.host,
        port=args.port,
        data_dir=data_dir,
        seed=args.seed,
        reset=args.reset,
    )
    print("Starting ClinicFlow's local stack (DynamoDB Local + moto) - NOT for real PHI ...")
    stack = LocalStack(options).start()
    print(f"\n  API      {stack.api_url}   (health: {stack.api_url}/health)")
    print(f"  Docs     {stack.api_url}/docs   (OpenAPI: {stack.api_url}/openapi.json)")
    print(f"  Portal   {stack.api_url}/portal/")
    print(f"  Data     {data_dir}")
    if args.seed == "demo":
        print(f"\n  Demo logins (password {DEMO_PASSWORD}):")
        for user in demo_users():
            print(f"    {user.username:<20} {user.practice_id:<10} {user.role.value}")
    print("\nPress Ctrl-C to stop.", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    print("\nStopping ...", flush=True)
    stack.stop()
    return 0


def _token(args: argparse.Namespace) -> int:
    from clinicflow.local.demo_users import demo_users

    if args.list:
        for user in demo_users():
            print(f"{user.username} {user.practice_id} {user.role.value}")
        return 0
    if not args.user:
        print("usage: clinicflow token USER (or --list)", file=sys.stderr)
        return 2
    from clinicflow.local.tokens import id_token, stack_state

    data_dir = _data_dir(args.data_dir)
    try:
        print(id_token(stack_state(data_dir), args.user))
    except Exception as exc:
        print(f"clinicflow token: {exc}", file=sys.stderr)
        return 1
    return 0


def _outbox(args: argparse.Namespace) -> int:
    import json
    import urllib.request

    from clinicflow.local.tokens import stack_state

    try:
        state = stack_state(_data_dir(args.data_dir))
        with urllib.request.urlopen(f"{state['api_url']}/_local/outbox", timeout=10) as r:  # noqa: S310
            messages = json.load(r)["messages"]
    except Exception as exc:
        print(f"clinicflow outbox: {exc}", file=sys.stderr)
        return 1
    for m in messages:
        print(f"{m['at']}  {m['channel']:<5} {m['status']:<10} {m['to']}  {m['subject']}")
        print(f"    {m['body']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="clinicflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="run the local stack (DynamoDB Local + moto + API)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8000)
    dev.add_argument("--seed", choices=["demo"], help="seed an empty data directory")
    dev.add_argument(
        "--data-dir", help="where data is kept (default: .clinicflow/ in the checkout)"
    )
    dev.add_argument("--reset", action="store_true", help="delete the data directory first")
    dev.set_defaults(func=_dev)
    token = commands.add_parser("token", help="print an ID token for a demo user")
    token.add_argument("user", nargs="?")
    token.add_argument(
        "--list", action="store_true", help="list demo users: USERNAME PRACTICE ROLE"
    )
    token.add_argument("--data-dir")
    token.set_defaults(func=_token)
    outbox = commands.add_parser("outbox", help="show what the local stack would have sent")
    outbox.add_argument("--data-dir")
    outbox.set_defaults(func=_outbox)
    from clinicflow.claims.cli import register as register_claims
    from clinicflow.claims.x12_check_cli import register as register_x12_check
    from clinicflow.codesets.cli import register as register_codesets
    from clinicflow.deployment.cli import register as register_deployment
    from clinicflow.messaging.cli import register as register_messaging
    from clinicflow.x12.cli import register as register_x12

    register_x12_check(register_x12(commands))
    register_codesets(commands)
    register_claims(commands)
    register_messaging(commands)
    register_deployment(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `clinicflow` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = getattr(args, "func", None) or getattr(args, "handler", None)
    if command is None:
        parser.parse_args([*(argv or sys.argv[1:]), "--help"])
        return 2
    result: int = command(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
