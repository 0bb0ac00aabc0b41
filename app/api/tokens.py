"""/api/tokens: per-integration API tokens (created once, listed without the secret, revoked)."""

from flask import Blueprint, jsonify
from marshmallow import Schema, fields

from app.services.tokens import create_token, list_tokens, revoke_token

from .support import actor, body, camunda_date, runtime

bp = Blueprint("tokens", __name__, url_prefix="/api/tokens")


class TokenBody(Schema):
    name = fields.String(required=True)


def _dto(row) -> dict:
    return {"id": row.id, "name": row.name, "owner": row.username, "created": camunda_date(row.created),
            "revokedAt": camunda_date(row.revoked_at)}


@bp.post("")
def create():
    """Create a token; the response is the only place its text ever appears."""
    row, token = create_token(runtime(), actor(), body(TokenBody)["name"])
    return jsonify({**_dto(row), "token": token}), 201


@bp.get("")
def list_all():
    return jsonify([_dto(row) for row in list_tokens(runtime(), actor())])


@bp.delete("/<int:token_id>")
def revoke(token_id: int):
    revoke_token(runtime(), actor(), token_id)
    return "", 204
