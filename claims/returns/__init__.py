"""Return-related financial assistance: a safe, voluntary, prepared return, paid across borders.

An application by her legal adviser; her consent, a risk and a needs assessment before approval;
the paying country's policy sets the entitlement; approval draws up a disbursement schedule and
reserves it; instalments are paid in the receiving organisation's currency; follow-ups after her
return. Other packages import only from here.
"""

from claims.returns import schemas, services, views
from claims.returns.plan import RecordKind, ReturnEvent, ReturnStatus

__all__ = ["RecordKind", "ReturnEvent", "ReturnStatus", "schemas", "services", "views"]
