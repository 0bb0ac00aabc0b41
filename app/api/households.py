"""/api/households: what is recorded on a household (read-only; supervisors, auditors, the county)."""

from flask import Blueprint, jsonify

from app.services.findings import household_findings

from .support import actor, camunda_date, runtime

bp = Blueprint("households", __name__, url_prefix="/api/households")


@bp.get("/<id_number>/findings")
def findings(id_number: str):
    """List the 虚报冒领 findings on the household of this 身份证号码, oldest first."""
    return jsonify([{"id": r.id, "idNumber": id_number_shown, "kind": r.kind, "caseId": r.process_instance_id,
                     "businessKey": r.business_key, "processDefinitionKey": r.definition_key, "stage": r.stage,
                     "reason": r.reason, "foundBy": r.found_by, "foundAt": camunda_date(r.found_at)}
                    for r, id_number_shown in household_findings(runtime(), actor(), id_number)])
