from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Demo seed, runstack and benchmarks: a leaf app nothing in the product imports."""

    name = "devtools"
    verbose_name = "Developer tools"
