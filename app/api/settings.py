"""/api/counties/<code>/settings: the service's own namespace for county settings."""

from flask import Blueprint, jsonify
from marshmallow import Schema, fields

from app.services.settings import change_setting, county_settings

from .support import actor, body, runtime

bp = Blueprint("settings", __name__, url_prefix="/api/counties")


class SettingBody(Schema):
    value = fields.Raw(required=True, allow_none=False)


@bp.get("/<county>/settings")
def list_settings(county: str):
    return jsonify(county_settings(runtime(), actor(), county))


@bp.put("/<county>/settings/<key>")
def put_setting(county: str, key: str):
    change_setting(runtime(), actor(), county, key, body(SettingBody)["value"])
    return "", 204
