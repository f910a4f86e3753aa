"""`--seed demo`: two synthetic practices with staff, locations, providers, payers, patients.

Everything goes through the same services the API uses, so the seed obeys every rule
(NPI check digits, street billing addresses, MRN uniqueness, audit records).
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from clinicflow.local.demo_data import (
    DemoPatient,
    DemoPractice,
    patients,
    practices,
    sandbox_patients,
)
from clinicflow.local.demo_users import DEMO_PASSWORD, demo_users

if TYPE_CHECKING:
    from clinicflow.local.stack import LocalStack
    from clinicflow.platform.identity import Caller


def seed_users(stack: LocalStack, practice_id: str) -> None:
    """One confirmed staff user per role, invited through the staff service like any other."""
    from clinicflow.providers.service import system_caller
    from clinicflow.staff.directory import CognitoDirectory
    from clinicflow.staff.model import InvitationInput
    from clinicflow.staff.service import Ports, invite

    cognito = stack.client("cognito-idp")
    ports = Ports(directory=CognitoDirectory(cognito, stack.user_pool_id))
    caller = system_caller(practice_id)
    for user in demo_users():
        if user.practice_id != practice_id:
            continue
        invite(
            caller,
            InvitationInput(
                email=user.email, name=user.name, role=user.role, username=user.username
            ),
            ports,
            temporary_password=DEMO_PASSWORD,
            send_invitation=False,
        )
        cognito.admin_set_user_password(
            UserPoolId=stack.user_pool_id,
            Username=user.username,
            Password=DEMO_PASSWORD,
            Permanent=True,
        )


def seed_practice(practice: DemoPractice, today: Any) -> None:
    """Profile, locations, payer directory, providers and patients of one practice."""
    from clinicflow.practice.model import AddressInput, LocationInput, ProfileInput
    from clinicflow.practice.payers.service import list_payers, seed_default_payers
    from clinicflow.practice.service import create_location, put_profile
    from clinicflow.providers.model import ProviderInput
    from clinicflow.providers.service import create_provider, system_caller

    caller = system_caller(practice.practice_id)
    main = practice.locations[0]
    put_profile(
        caller,
        ProfileInput(
            legal_name=practice.legal_name,
            tax_id=practice.tax_id,
            group_npi=practice.group_npi,
            taxonomy_code=practice.taxonomy,
            billing_address=AddressInput(main.street, main.city, main.state, main.postal_code),
            phone="+13035550100",
            time_zone=main.time_zone,
        ),
    )
    for location in practice.locations:
        create_location(
            caller,
            LocationInput(
                name=location.name,
                address=AddressInput(
                    location.street, location.city, location.state, location.postal_code
                ),
                time_zone=location.time_zone,
                place_of_service=location.place_of_service,
            ),
            new_id=functools.partial(str, location.location_id),
        )
    seed_default_payers(caller)
    payers = {p.payer_id: p for p in list_payers(practice.practice_id).payers}
    from clinicflow.claims.submission.demo import seed_demo_profile

    seed_demo_profile(practice.practice_id, practice.legal_name, sorted(payers))
    for provider in practice.providers:
        create_provider(
            caller,
            ProviderInput(
                first_name=provider.first_name,
                last_name=provider.last_name,
                npi=provider.npi,
                taxonomy_code=provider.taxonomy,
                specialty=provider.specialty,
                location_ids=provider.location_ids,
            ),
            provider_id=provider.provider_id,
        )
    commercial = sorted(p for p, payer in payers.items() if payer.claim_filing_indicator == "CI")
    sbr09 = {p: payers[p].claim_filing_indicator for p in payers}
    for patient in sandbox_patients(practice, commercial[0]):  # first: not the most recent
        _seed_patient(caller, patient, sbr09)
    with ThreadPoolExecutor(max_workers=8) as pool:  # DynamoDB Local takes concurrent writes
        list(
            pool.map(
                lambda p: _seed_patient(caller, p, sbr09), patients(practice, commercial, today)
            )
        )


def seed_messaging(practice: DemoPractice) -> None:
    """Give the practice its SMS origination number, so SMS reminders go out end to end."""
    from clinicflow.messaging.service import put_settings, settings_of, system_caller

    if practice.sms_number:
        current = settings_of(practice.practice_id)
        put_settings(
            system_caller(practice.practice_id),
            sms_number=practice.sms_number,
            expected_version=current.version,
        )


def _seed_patient(caller: Caller, patient: DemoPatient, sbr09: dict[str, str]) -> None:
    from clinicflow.coverages.model import CoverageData
    from clinicflow.coverages.service import create_coverage
    from clinicflow.coverages.store import DynamoCoverageRepository, DynamoPayerLookup
    from clinicflow.patients.model import PatientData
    from clinicflow.patients.service import create_patient
    from clinicflow.patients.store import DynamoPatientRepository

    address = {
        "line1": patient.street,
        "city": patient.city,
        "state": patient.state,
        "postal_code": patient.postal_code,
    }
    consent = {"status": "granted", "at": "2026-01-05T16:00:00Z", "method": "written"}
    data = PatientData.model_validate(
        {
            "name": {"first": patient.first_name, "last": patient.last_name},
            "dob": patient.birth_date.isoformat(),
            "sex": patient.sex,
            "address": address,
            "phones": [{"type": "mobile", "number": patient.phone}],
            "email": patient.email,
            "preferred_language": patient.language,
            "sms_consent": consent,
            "email_consent": consent,
            "guarantor": {"relationship": "self"},
        }
    )
    created = create_patient(caller, data, repo=DynamoPatientRepository(), confirm_duplicate=True)
    for payer_id, member_id, group in patient.coverages:
        coverage = CoverageData.model_validate(
            {
                "payer_id": payer_id,
                "member_id": member_id,
                "group_number": group,
                "claim_filing_indicator": sbr09[payer_id],
                "relationship": "18",
                "effective_date": "2026-01-01",
                "assignment_of_benefits": {"on_file": True, "signed_on": "2026-01-05"},
                "signature_on_file": {"on_file": True, "signed_on": "2026-01-05"},
            }
        )
        create_coverage(
            caller,
            created.id,
            coverage,
            repo=DynamoCoverageRepository(),
            payers=DynamoPayerLookup(),
        )


def seed_demo(stack: LocalStack) -> None:
    """Seed an empty stack with the demo practices."""
    today = stack.clock.now().date()
    from clinicflow.scheduling.seed import seed_scheduling

    for practice in practices():
        seed_practice(practice, today)
        seed_messaging(practice)
        seed_users(stack, practice.practice_id)
        seed_scheduling(practice.practice_id, today)
