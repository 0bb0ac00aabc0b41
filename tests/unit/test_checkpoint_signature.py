"""A checkpoint's signature is the HMAC-SHA256 of its fields as one JSON array, however it is written: the nightly
run's signer writes the array itself where json.dumps would write the same text."""

import hashlib
import hmac
import json

import pytest

from app.domain.audit import checkpoint_signature, checkpoint_signer

KEY = b"k"
HEX = hashlib.sha256(b"x").hexdigest()


def _as_json(case_id, seq, *hashes, version=None) -> str:
    signed = [case_id, seq, *hashes] + ([] if version is None else [version])
    return hmac.new(KEY, json.dumps(signed, separators=(",", ":")).encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("case_id", ["6f1c0b8e-3d2a-4c55-9a7e-0d1f2e3a4b5c", "pv-42", '案件"1\\', "a b", ""])
@pytest.mark.parametrize("version", [None, 0, 3_000_000_000])
def test_the_signer_signs_what_json_would_write(case_id, version):
    expected = _as_json(case_id, 4, HEX, HEX, HEX, HEX, version=version)
    assert checkpoint_signer(KEY)(case_id, 4, HEX, HEX, HEX, HEX, version) == expected
    assert checkpoint_signature(KEY, case_id, 4, HEX, HEX, HEX, HEX, version) == expected


def test_a_version_is_signed_and_none_is_not_a_version():
    with_version = checkpoint_signature(KEY, "c", 4, HEX, HEX, HEX, HEX, 7)
    assert with_version != checkpoint_signature(KEY, "c", 4, HEX, HEX, HEX, HEX, 8)
    assert with_version != checkpoint_signature(KEY, "c", 4, HEX, HEX, HEX, HEX)
    assert checkpoint_signature(b"other", "c", 4, HEX, HEX, HEX, HEX, 7) != with_version


@pytest.mark.parametrize("version", [None, 7])
def test_the_row_hashes_are_signed_after_the_rest_and_a_checkpoint_without_them_keeps_its_signature(version):
    other = hashlib.sha256(b"y").hexdigest()
    expected = _as_json("c", 4, HEX, HEX, HEX, HEX, version=version)
    assert checkpoint_signature(KEY, "c", 4, HEX, HEX, HEX, HEX, version, None, None) == expected
    signed = [*(["c", 4, HEX, HEX, HEX, HEX] + ([] if version is None else [version])), HEX, other]
    with_rows = hmac.new(KEY, json.dumps(signed, separators=(",", ":")).encode(), hashlib.sha256).hexdigest()
    assert checkpoint_signer(KEY)("c", 4, HEX, HEX, HEX, HEX, version, HEX, other) == with_rows
    assert checkpoint_signature(KEY, "c", 4, HEX, HEX, HEX, HEX, version, other, HEX) != with_rows
