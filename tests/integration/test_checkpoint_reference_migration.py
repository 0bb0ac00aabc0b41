"""Migration 0043 on a database holding checkpoints with copies: those whose case row is as they were taken give
their copies up for a reference to the row, the one whose row moved on keeps its copy, and every case still
verifies; the downgrade puts the row's state and data back into each checkpoint. Nothing changes on SQLite."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

import app.services.verification as verification
from app.domain.audit import checkpoint_signature
from app.services.verification import VerificationRun, verify_batch
from tests.support.dibao_steps import Case

POSTGRESQL = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="checkpoints keep their copies on SQLite, which keeps no row versions")
KEY = b"test-audit-key"


@pytest.fixture(autouse=True)
def _audit_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_KEY", KEY.decode())


def _copies(app) -> dict[str, bool]:
    """Whether each checkpoint keeps its own copy of the state and data."""
    with app.extensions["db_engine"].connect() as conn:
        return dict(conn.execute(text("SELECT process_instance_id, state IS NOT NULL AND variables IS NOT NULL "
                                      "FROM audit_checkpoint")).tuples().all())


def _signed_as_before_0045(app) -> None:
    """Sign the checkpoints without the row hashes, as before migration 0045 (whose downgrade drops the others)."""
    with app.extensions["db_engine"].begin() as conn:
        for row in conn.execute(text("SELECT process_instance_id, seq, event_hash, state_hash, variables_hash, "
                                     "case_data_hash, case_row_version FROM audit_checkpoint")).all():
            conn.execute(text("UPDATE audit_checkpoint SET case_identity_hash = NULL, case_status_hash = NULL, "
                              "signature = :s WHERE process_instance_id = :i"),
                         {"s": checkpoint_signature(KEY, *row), "i": row[0]})


@POSTGRESQL
def test_unchanged_rows_checkpoints_give_up_their_copies_and_the_downgrade_restores_them(app, runtime, login_as,
                                                                                       clock, monkeypatch):
    unchanged, moved = Case.investigated(login_as), Case.investigated(login_as)
    with monkeypatch.context() as before:  # checkpoints kept as before 0043: with their copies
        before.setattr(verification, "by_reference", lambda session, kept: None)
        assert all(v.ok for v in verify_batch(runtime, VerificationRun(KEY), [unchanged.id, moved.id]))
    _signed_as_before_0045(app)
    with app.app_context():
        downgrade(revision="0042")
    assert _copies(app) == {unchanged.id: True, moved.id: True}
    with app.extensions["db_engine"].begin() as conn:  # the row written since, as a command would (before 0043)
        conn.execute(text("UPDATE process_instance SET suspended = NOT suspended WHERE id = :i"), {"i": moved.id})
        conn.execute(text("UPDATE process_instance SET suspended = NOT suspended WHERE id = :i"), {"i": moved.id})
    with app.app_context():
        upgrade()
    assert _copies(app) == {unchanged.id: False, moved.id: True}
    assert all(v.ok for v in verify_batch(runtime, VerificationRun(KEY), [unchanged.id, moved.id]))
    moved.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    unchanged.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    assert _copies(app) == {unchanged.id: True, moved.id: True}  # the trigger kept each row's state at its checkpoint
    assert all(v.ok for v in verify_batch(runtime, VerificationRun(KEY), [unchanged.id, moved.id]))
    assert _copies(app) == {unchanged.id: False, moved.id: False}
    _signed_as_before_0045(app)
    with app.app_context():
        downgrade(revision="0042")
    assert _copies(app) == {unchanged.id: True, moved.id: True}
    with app.app_context():
        upgrade()
    assert all(v.ok for v in verify_batch(runtime, VerificationRun(KEY), [unchanged.id, moved.id]))
