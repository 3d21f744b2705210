from django.shortcuts import redirect, render

from survivorship.roles import HOMES, roles_of
from survivorship.web.access import authenticated


@authenticated
def home(request):
    roles = roles_of(request.user)
    for role, url_name in HOMES:
        if role in roles:
            return redirect(url_name)
    return render(request, "survivorship/no_role.html", status=403)
