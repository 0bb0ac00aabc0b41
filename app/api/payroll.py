"""/api/payroll: the monthly payment runs — start, read, lines (and the bank file), the bank's result."""

from flask import Blueprint, Response, jsonify, request, stream_with_context
from marshmallow import Schema, fields, validate

from app.domain.errors import ValidationFailed
from app.services.exports import attachment
from app.services.payroll.bank import csv_chunks, file_chunks, open_bank_file, xlsx_path
from app.services.payroll.bank_result import record_bank_result
from app.services.payroll.reads import case_payments, list_runs, run_lines, run_summary
from app.services.payroll.roster import township_roster
from app.services.payroll.runs import start_run
from app.services.payroll.standard import apply_standard, preview_standard

from .support import actor, args, body, runtime

bp = Blueprint("payroll_api", __name__, url_prefix="/api/payroll")
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


class RosterQuery(Schema):
    township = fields.String(required=True)
    copy = fields.String(load_default="village", validate=validate.OneOf(["finance", "village"]))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/runs/<int:run_id>/lines")
def lines(run_id: int):
    """A page of the roll as JSON, or with format=csv|xlsx the bank's batch file (finance, a frozen roll)."""
    query = args(LineQuery)
    if query["format"] != "json":
        return _bank_file(run_id, query["format"])
    count, page = run_lines(runtime(), actor(), run_id, query)
    return jsonify({"count": count, "firstResult": query["firstResult"], "lines": page})


def _bank_file(run_id: int, fmt: str) -> Response:
    rt = runtime()
    file = open_bank_file(rt, actor(), run_id, fmt)
    disposition = {"Content-Disposition": attachment(file.file_name(fmt))}
    if fmt == "csv":
        return Response(stream_with_context(csv_chunks(rt, file)), mimetype="text/csv; charset=utf-8",
                        headers=disposition)
    return Response(file_chunks(xlsx_path(rt, file)), mimetype=XLSX, headers=disposition)


@bp.get("/runs/<int:run_id>/roster.pdf")
def roster(run_id: int):
    """The printable 发放名册 of one township: copy=village (masked, the default) or finance (whole)."""
    query = args(RosterQuery)
    roster_file = township_roster(runtime(), actor(), run_id, query["township"], query["copy"])
    return Response(roster_file.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": attachment(roster_file.name, "inline")})


@bp.post("/runs/<int:run_id>/bank-result")
def bank_result(run_id: int):
    """Upload the bank's result file (multipart field `file`, CSV or xlsx)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("须以 multipart 字段 file 上传银行回盘文件（CSV 或 xlsx）", field="file")
    return jsonify(record_bank_result(runtime(), actor(), run_id, upload.filename, upload.read()))


@cases_bp.get("/<case_id>/payments")
def payments(case_id: str):
    return jsonify(case_payments(runtime(), actor(), case_id))


class NewStandard(Schema):
    county = fields.String(required=True)
    standard = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, min_inclusive=False))
    effectiveMonth = fields.String(required=True, validate=MONTH)


@bp.post("/standards/preview")
def standard_preview():
    """The impact of a new 低保 standard per township, before it is saved (designer, finance)."""
    data = body(NewStandard)
    return jsonify(preview_standard(runtime(), actor(), data["county"], data["standard"], data["effectiveMonth"]))


@bp.post("/standards")
def standard_change():
    """Save a new 低保 standard from its effective month: every household in payment is recomputed."""
    data = body(NewStandard)
    return jsonify(apply_standard(runtime(), actor(), data["county"], data["standard"], data["effectiveMonth"]))
