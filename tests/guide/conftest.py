from tests.directory.conftest import create_item, small_building  # noqa: F401  (shared factories)
