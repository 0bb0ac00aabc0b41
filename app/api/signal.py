"""POST /signal: a signal to every case waiting for it."""

from flask import Blueprint

from app.services.commands import DeliverSignal
from app.services.signals import deliver_signal

from .schemas import SignalBody
from .support import accepts, actor, body, runtime
from .variables import parse

bp = Blueprint("signal", __name__, url_prefix="/signal")


@bp.post("")
@accepts(body=SignalBody)
def throw_signal():
    """Deliver the signal (Camunda POST /signal): 204, whether or not any case was waiting for it."""
    data = body()
    parsed = parse(data["variables"], "variables")
    deliver_signal(runtime(), DeliverSignal(actor(), data["name"], data["executionId"], data["tenantId"],
                                            parsed.values, parsed.typed))
    return "", 204
