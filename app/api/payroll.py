"""/api/payroll: the monthly payment runs — start, read, lines (and the bank file), the bank's result."""

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from app.services.payroll.reads import case_payments, list_runs, run_lines, run_summary
from app.services.payroll.runs import start_run

from .support import actor, args, body, runtime

bp = Blueprint("payroll", __name__, url_prefix="/api/payroll")
cases_bp = Blueprint("payroll_cases", __name__, url_prefix="/api/cases")

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="须为 YYYY-MM 格式的月份")


class RunQuery(Schema):
    county = fields.String()
    month = fields.String(validate=MONTH)


class NewRun(Schema):
    county = fields.String(required=True)
    month = fields.String(required=True, validate=MONTH)
    kind = fields.String(load_default="regular", validate=validate.OneOf(["regular", "correction"]))


class LineQuery(Schema):
    firstResult = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    maxResults = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    township = fields.String()
    flag = fields.String(validate=validate.OneOf(["new", "changed", "back_pay", "account"]))
    exceptions = fields.Boolean(load_default=False)
    format = fields.String(validate=validate.OneOf(["json", "csv", "xlsx"]), load_default="json")


@bp.get("/runs")
def runs():
    query = args(RunQuery)
    return jsonify(list_runs(runtime(), actor(), query.get("county"), query.get("month")))


@bp.post("/runs")
def new_run():
    data = body(NewRun)
    run_id = start_run(runtime(), actor(), data["county"], data["month"], data["kind"] == "correction")
    return jsonify(run_summary(runtime(), actor(), run_id)), 201


@bp.get("/runs/<int:run_id>")
def run(run_id: int):
    return jsonify(run_summary(runtime(), actor(), run_id))


@bp.get("/runs/<int:run_id>/lines")
def lines(run_id: int):
    query = args(LineQuery)
    count, page = run_lines(runtime(), actor(), run_id, query)
    return jsonify({"count": count, "firstResult": query["firstResult"], "lines": page})


@cases_bp.get("/<case_id>/payments")
def payments(case_id: str):
    return jsonify(case_payments(runtime(), actor(), case_id))
