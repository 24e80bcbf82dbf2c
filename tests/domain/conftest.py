"""The domain's tests: pure tables of cases. Nothing here starts the app or opens a database, so this folder
has a conftest of its own and none of tests/api's fixtures (`pytest tests/domain` runs in seconds)."""
