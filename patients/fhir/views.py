"""The FHIR R4 read API (machines, OAuth2 bearer tokens) and the people's pages around it.

Machine views: a bearer token from /fhir/auth/token (client credentials), a SMART-style
scope, and the patients of the care teams the client is granted. Anything else is an
OperationOutcome: 401 without a token, 403 without the scope, 404 outside the grant.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.views import TokenView

from patients import selectors
from patients.fhir import export, importer
from patients.fhir.forms import FhirUploadForm
from patients.models import FhirClient
from survivorship import audit
from survivorship.roles import Role
from survivorship.web.access import public, role_required

FHIR_JSON = "application/fhir+json"
READ_SCOPES = ("system/Patient.read", "system/*.read")


def fhir_response(payload: dict, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(payload, status=status, content_type=FHIR_JSON)
    for key, value in headers.items():
        response[key.replace("_", "-")] = value
    return response


def outcome(status: int, code: str, text: str, **headers) -> JsonResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return fhir_response(body, status, **headers)


def fhir_client_required(view):
    """Admit a bearer token of an active FhirClient holding a read scope."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        core = get_oauthlib_core()
        valid, oauth = core.verify_request(request, scopes=[])
        if not valid or oauth.access_token is None:
            return outcome(
                401, "login", "A valid bearer token is required.", WWW_Authenticate="Bearer"
            )
        token = oauth.access_token
        client = FhirClient.objects.filter(application_id=token.application_id, active=True).first()
        if client is None:
            return outcome(401, "login", "This token's client is not an active FHIR client.")
        if not set(token.scope.split()) & set(READ_SCOPES):
            audit.record(
                action="fhir read", object_type="fhir", outcome="denied", client=client.name
            )
            return outcome(403, "forbidden", "The token lacks the scope system/Patient.read.")
        request.fhir_client = client
        return view(request, *args, **kwargs)

    wrapped.allowed_roles = "public"  # machines: the token decides (see above)
    wrapped.fhir_api = True
    return wrapped


def _base(request) -> str:
    return request.build_absolute_uri("/fhir/")


@public
@require_GET
def metadata(request):
    return fhir_response(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-12-01",
            "kind": "instance",
            "software": {"name": "Survivorship"},
            "implementation": {"description": "Survivorship FHIR API", "url": _base(request)},
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "service": [
                            {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                        "code": "SMART-on-FHIR",
                                    }
                                ]
                            }
                        ],
                        "description": "OAuth2 client credentials at /fhir/auth/token; "
                        "scope system/Patient.read.",
                    },
                    "resource": [
                        {
                            "type": "Patient",
                            "profile": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-cancer-patient",
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [{"name": "identifier", "type": "token"}],
                            "operation": [
                                {
                                    "name": "everything",
                                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                                }
                            ],
                        }
                    ],
                }
            ],
        }
    )


def _client_patient(request, pk, *, everything=False):
    queryset = export.everything_queryset() if everything else export.Patient.objects.all()
    patient = queryset.filter(pk__in=request.fhir_client.patients().values("pk"), pk=pk).first()
    name = request.fhir_client.name
    if patient is None:
        audit.record(
            action="fhir read",
            object_type="patient",
            object_id=str(pk),
            outcome="denied",
            client=name,
        )
        return None
    audit.record(action="fhir read", patient_id=patient.pk, obj=patient, client=name)
    return patient


@fhir_client_required
@require_GET
def patient_read(request, pk):
    patient = _client_patient(request, pk)
    if patient is None:
        return outcome(404, "not-found", f"Patient/{pk} is not known to this client.")
    return fhir_response(export.patient_resource(patient))


@fhir_client_required
@require_GET
def patient_everything(request, pk):
    patient = _client_patient(request, pk, everything=True)
    if patient is None:
        return outcome(404, "not-found", f"Patient/{pk} is not known to this client.")
    return fhir_response(export.patient_bundle(patient, base_url=_base(request)))


@fhir_client_required
@require_GET
def patient_search(request):
    raw = request.GET.get("identifier", "")
    system, sep, value = raw.rpartition("|")
    if not value or len(raw) > 300:
        return outcome(400, "invalid", "Search by identifier=<system>|<record number>.")
    entries = []
    if not sep or system == export.m.MRN_SYSTEM:
        patients = request.fhir_client.patients().filter(medical_record_number=value)
        for patient in patients[:1]:
            audit.record(
                action="fhir read",
                patient_id=patient.pk,
                obj=patient,
                client=request.fhir_client.name,
            )
            entries.append(
                {
                    "fullUrl": f"{_base(request)}Patient/{patient.pk}",
                    "resource": export.patient_resource(patient),
                    "search": {"mode": "match"},
                }
            )
    return fhir_response(
        {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}
    )


token = public(csrf_exempt(TokenView.as_view()))


@role_required(Role.NURSE)
@require_GET
def nurse_bundle(request, pk):
    """A nurse downloads the patient's bundle from the patient page."""
    patient = selectors.patient_get(user=request.user, pk=pk)
    patient = export.everything_queryset().get(pk=patient.pk)
    body = json.dumps(export.patient_bundle(patient), indent=2)
    response = HttpResponse(body, content_type=FHIR_JSON)
    filename = f"patient-{patient.pk}-fhir.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(Role.ADMINISTRATOR)
def import_upload(request):
    """An administrator uploads a Bundle from an EHR; all or nothing, refusals listed."""
    result = None
    form = FhirUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = importer.import_bundle(raw=form.cleaned_data["file"].read())
        if result.ok:
            messages.success(request, result.summary)
            return redirect("fhir:import")
    return render(request, "patients/fhir/import.html", {"form": form, "result": result})
