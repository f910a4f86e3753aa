"""`--seed demo`: two synthetic practices with staff, locations, payers, patients, coverages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clinicflow.local.demo_users import DEMO_PASSWORD, demo_users

if TYPE_CHECKING:
    from clinicflow.local.stack import LocalStack


def seed_users(stack: LocalStack) -> None:
    """Create one confirmed staff user per role per practice."""
    cognito = stack.client("cognito-idp")
    pool = stack.user_pool_id
    for user in demo_users():
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=user.username,
            UserAttributes=[
                {"Name": "email", "Value": user.email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": user.name},
                {"Name": "custom:practice_id", "Value": user.practice_id},
            ],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=pool, Username=user.username, Password=DEMO_PASSWORD, Permanent=True
        )
        cognito.admin_add_user_to_group(
            UserPoolId=pool, Username=user.username, GroupName=user.role.value
        )


def seed_demo(stack: LocalStack) -> None:
    """Seed an empty stack with the demo practices."""
    seed_users(stack)
