# Shared factories: notices from the notices tests.
from tests.notices.conftest import create_notice, make_unit  # noqa: F401
