from django import forms
from django.conf import settings


class FhirUploadForm(forms.Form):
    file = forms.FileField(label="FHIR Bundle (JSON)", help_text="Up to 10 MB.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size >= settings.FHIR_MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is 10 MB or more: split it into smaller bundles.")
        return upload
