from tests.factories import make_patient

__all__ = ["make_patient"]
