from tests.directory.conftest import create_service, small_building  # noqa: F401  (shared factories)
