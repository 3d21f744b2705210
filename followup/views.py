from django.shortcuts import render

from survivorship.roles import Role, role_required


@role_required(Role.ADMINISTRATOR, Role.NURSE)
def dashboard(request):
    return render(request, "followup/dashboard.html")
