"""Use cases of claims: each takes a session, applies the pure core, flushes, never commits.

The handler's unit of work commits a claim's state change together with its ledger movement, so
the two happen together or not at all. Every write names the version it was based on (If-Match)
and locks the claim's row first, so two administrators cannot overwrite each other. Every write
takes `now`, the business moment from the service's clock.

- `claimants`: the women the advisers represent, and their mandates
- `evidence`: documents and requests for information
- `lifecycle`: drafting, submission, review, assessment, appeal, withdrawal, closing
- `awards`: decisions, second approval, letters and payments
- `overpayment`: what an appeal left her owing back: recovered (repayments) or waived
  (`awards` and `overpayment` are the only modules that move money)
"""

from claims.services.awards import (
    LEDGER_SCOPE,
    issue_letter,
    letter_may_be_issued,
    letter_notice,
    make_decision,
    outstanding,
    payments,
    record_payment,
    reserve_again,
    review_decision,
)
from claims.services.claimants import (
    PERSONAL_FIELDS,
    ClearPersonalData,
    get_claimant,
    list_claimants,
    mandate_document_id,
    open_personal_data,
    register_claimant,
    update_claimant,
    upload_mandate,
)
from claims.services.evidence import (
    InformationExchange,
    answer_information,
    documents,
    information_requests,
    open_document,
    request_information,
    upload_evidence,
)
from claims.services.lifecycle import (
    appeal,
    assess,
    close,
    create_claim,
    history,
    list_claims,
    revise_draft,
    start_review,
    submit,
    withdraw,
)
from claims.services.overpayment import (
    decide_overpayment,
    overpayment_state,
    record_repayment,
    repayments,
    review_waiver,
    waiver_awaits_confirmation,
    waiver_threshold,
)
from claims.services.steps import check_version, get_claim

__all__ = [
    "LEDGER_SCOPE",
    "PERSONAL_FIELDS",
    "ClearPersonalData",
    "InformationExchange",
    "answer_information",
    "appeal",
    "assess",
    "check_version",
    "close",
    "create_claim",
    "decide_overpayment",
    "documents",
    "get_claim",
    "get_claimant",
    "history",
    "information_requests",
    "issue_letter",
    "letter_may_be_issued",
    "letter_notice",
    "list_claimants",
    "list_claims",
    "make_decision",
    "mandate_document_id",
    "open_document",
    "open_personal_data",
    "outstanding",
    "overpayment_state",
    "payments",
    "record_payment",
    "record_repayment",
    "register_claimant",
    "repayments",
    "request_information",
    "reserve_again",
    "review_decision",
    "review_waiver",
    "revise_draft",
    "start_review",
    "submit",
    "update_claimant",
    "upload_evidence",
    "upload_mandate",
    "waiver_awaits_confirmation",
    "waiver_threshold",
    "withdraw",
]
