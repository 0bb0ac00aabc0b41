"""The acting side of the permission matrix: one demo user per role, HTTP calls, targets, snapshots."""

import base64
import io

from sqlalchemy import func, select, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.domain.actors import PERMISSIONS
from app.services.users import DEMO_USERS
from app.store.tables import Base
from tests.conftest import PASSWORD, Api
from tests.support.matrix_setup import Target, add_other_county, deploy_probe, start_target

# one demo user per role (candidate group), from the demo organisation itself: the county's (the matrix asks
# what a role may do in its own county and in another)
ROLES: dict[str, str] = {}
for _username, _display, _unit, _groups in DEMO_USERS:
    for _group in _groups if _unit != "/" else ():
        ROLES.setdefault(_group, _username)

_IGNORED = {"login_failure", "access_log"}  # reads are logged (issue 5); failed sign-ins are counted


class Matrix:
    def __init__(self, app):
        self.client = app.test_client()
        self.runtime = app.extensions["runtime"]
        self.login_as = lambda username: Api(self.client, username)
        add_other_county(self.runtime)
        deploy_probe(self.login_as("designer"))
        self._shared: dict[tuple[str, str], Target] = {}

    def target(self, scope: str, purpose: str = "main", fresh: bool = False) -> Target:
        if fresh:
            return start_target(self.login_as, self.runtime, scope)
        if (scope, purpose) not in self._shared:
            self._shared[(scope, purpose)] = start_target(self.login_as, self.runtime, scope)
        return self._shared[(scope, purpose)]

    def may_hold_token(self, username: str) -> bool:
        groups = next(g for u, _, _, g in DEMO_USERS if u == username)
        return bool(set(groups) & PERMISSIONS["token.manage"])

    def call(self, username: str, method: str, path: str, json=None, deploy=None, upload=None, fields=None):
        token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
        if upload is not None:
            deploy = {}
            data = {field: FileStorage(io.BytesIO(raw), filename=name) for field, (raw, name) in upload.items()}
        if deploy is not None:
            data = {"deployment-name": "matrix", **(fields or {})} if upload is None else data
            data.update({name: FileStorage(io.BytesIO(raw), filename=name) for name, raw in deploy.items()})
            boundary, payload = encode_multipart(data)
            return self.client.open(path, method=method, data=payload, headers=headers,
                                    content_type=f"multipart/form-data; boundary={boundary}")
        return self.client.open(path, method=method, json=json, headers=headers)

    def snapshot(self) -> tuple:
        """Row counts of every table and the columns a refused write could change."""
        with self.runtime.unit_of_work() as uow:
            session = uow.session
            counts = tuple(session.scalar(select(func.count()).select_from(table))
                           for name, table in sorted(Base.metadata.tables.items()) if name not in _IGNORED)
            extra = tuple(session.execute(text(query)).all() for query in (
                "SELECT sum(version), count(ended_at) FROM process_instance",
                "SELECT count(assignee) FROM task",
                "SELECT id, due, retries FROM job ORDER BY id",
                "SELECT count(*) FROM escalation WHERE state <> 'OPEN'",
                "SELECT count(revoked_at) FROM api_token",
                "SELECT id, worker_id, lock_expiration FROM external_task ORDER BY id",
                "SELECT county_path, key, value FROM county_setting ORDER BY county_path, key",
            ))
        return counts + extra
