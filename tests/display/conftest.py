from tests.notices.conftest import create_notice, make_unit  # noqa: F401  (shared factories)
