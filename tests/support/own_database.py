"""A service with a database of its own, for a module whose checks read lists or fire due timers across every
case, and so would depend on what other modules left in the session's database. In such a module:

    from tests.support.own_database import own_app  # noqa: F401
"""

import pytest

from tests.conftest import _database_url, _drop_database, service_app


@pytest.fixture(scope="module", name="app")
def own_app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = service_app(url, "own")
    yield app
    app.extensions["db_engine"].dispose()
    _drop_database(url)
