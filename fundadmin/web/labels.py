"""Words for the codes the pages show (a status, a step, a kind of damage, a report line), in
English; the templates translate them (fundadmin.web.i18n). A code without a word here is shown
as it is."""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import pass_context
from jinja2.runtime import Context

from fundadmin.web.i18n import gettext, n_

LABELS: Mapping[str, Mapping[str, str]] = {
    "status": {
        "draft": n_("draft"),
        "submitted": n_("submitted"),
        "under_review": n_("under review"),
        "information_requested": n_("information requested"),
        "assessed": n_("assessed"),
        "awaiting_second_approval": n_("awaiting second approval"),
        "decided": n_("decided"),
        "letter_issued": n_("letter issued"),
        "partly_paid": n_("partly paid"),
        "paid": n_("paid"),
        "closed": n_("closed"),
        "withdrawn": n_("withdrawn"),
        "appealed": n_("appealed"),
    },
    "event": {
        "submit": n_("submit"),
        "start_review": n_("take into review"),
        "request_information": n_("ask for information"),
        "answer_information": n_("answer a request for information"),
        "assess": n_("run the policy"),
        "decide": n_("decide"),
        "decide_above_threshold": n_("decide (above the four-eyes threshold)"),
        "confirm": n_("confirm the decision"),
        "send_back": n_("send back to review"),
        "issue_letter": n_("issue the letter"),
        "pay_in_part": n_("pay in part"),
        "pay_in_full": n_("pay in full"),
        "close": n_("close"),
        "withdraw": n_("withdraw"),
        "appeal": n_("appeal"),
    },
    "category": {
        "non_material": n_("non-material damage"),
        "material_loss": n_("material loss"),
        "withheld_earnings": n_("withheld earnings"),
    },
    "sub_kind": {
        "pain_and_suffering": n_("pain and suffering"),
        "violation": n_("violation"),
        "permanent_injury": n_("permanent injury"),
        "medical": n_("medical costs"),
        "property": n_("property"),
        "lost_income": n_("lost income"),
        "other": n_("other"),
    },
    "outcome": {
        "approved": n_("approved"),
        "partly_approved": n_("partly approved"),
        "rejected": n_("rejected"),
    },
    "report": {
        "confiscation": n_("confiscation"),
        "appropriation": n_("appropriation"),
        "recovery": n_("recovery"),
        "award": n_("awards"),
        "return_assistance": n_("return assistance"),
        "grant": n_("grants"),
        "other": n_("other"),
        "balances": n_("balances"),
        "money_in": n_("money in"),
        "money_out": n_("money out"),
        "monthly": n_("monthly"),
        "durations": n_("durations"),
        "verification": n_("verification"),
        "eur": n_("all funds in euro"),
        "rates": n_("exchange rates"),
        "opening": n_("opening balance"),
        "closing": n_("closing balance"),
        "pending_commitments": n_("pending commitments"),
    },
}


@pass_context
def label(context: Context, kind: str, code: str | None) -> str:
    """The word for `code` in the page's language; the code itself when it has none."""
    if not code:
        return ""
    word = LABELS[kind].get(code)
    return gettext(context, word) if word else code.replace("_", " ")
