from django.shortcuts import get_object_or_404, render

from patients.models import Patient
from survivorship.roles import Role, role_required


@role_required(Role.NURSE)
def nurse_home(request):
    return render(request, "patients/nurse_home.html")


@role_required(Role.PATIENT)
def portal_home(request):
    patient = get_object_or_404(Patient, user=request.user)
    return render(request, "patients/portal_home.html", {"patient": patient})
