"""Gaps of an analysis in the reader's language (tracing.analysis keeps English and params)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KDE_LABELS = {
    "what": gettext_lazy("what (object identifiers)"),
    "what_quantity": gettext_lazy("what (quantity)"),
    "when": gettext_lazy("when (event time)"),
    "when_tz": gettext_lazy("when (time zone)"),
    "where_read_point": gettext_lazy("where (read point)"),
    "where_biz_location": gettext_lazy("where (business location)"),
    "who_source": gettext_lazy("who (source party)"),
    "who_destination": gettext_lazy("who (destination party)"),
    "why_biz_step": gettext_lazy("why (business step)"),
    "why_disposition": gettext_lazy("why (disposition)"),
}
CTE_LABELS = {
    "commissioning": gettext_lazy("commissioning / harvest"),
    "receiving": gettext_lazy("receiving"),
    "transformation": gettext_lazy("transformation"),
    "packing": gettext_lazy("packing / aggregation"),
    "shipping": gettext_lazy("shipping"),
    "other": gettext_lazy("other"),
}


def gap_text(gap: dict) -> str:
    """The gap's message, translated; the English message when its code is unknown."""
    p = dict(gap.get("params") or {})
    code = gap.get("code")
    if code == "receiving_missing":
        return (
            _(
                "Input %(lot)s of transformation event #%(event)s has no receiving (or "
                "commissioning) event: its supplier and source site cannot be traced."
            )
            % p
        )
    if code == "back_not_found":
        return (
            _(
                "One step back finds nothing for %(lot)s: no transformation made it and no "
                "receiving or commissioning event names it."
            )
            % p
        )
    if code == "forward_not_found":
        return (
            _(
                "One step forward finds no shipment of %(lot)s (directly, in a pallet or as an "
                "input of a product that was shipped): its customers cannot be named."
            )
            % p
        )
    if code == "pallet_not_shipped":
        return _("Pallet %(pallet)s holding %(lot)s has no shipping event.") % p
    if code == "customer_missing":
        return _("Shipping event #%(event)s names no receiving party.") % p
    if code == "kde_missing":
        p["kde"] = KDE_LABELS.get(p.get("kde"), p.get("kde"))
        p["cte"] = CTE_LABELS.get(p.get("cte"), p.get("cte"))
        return _("KDE “%(kde)s” is missing on %(cte)s event(s) %(event_list)s.") % p
    if code == "mass_balance":
        return (
            _(
                "Mass balance of %(lot)s in %(uom)s: in %(quantity_in)s, out %(quantity_out)s, "
                "difference %(percent)s %% (tolerance %(tolerance)s %%)."
            )
            % p
        )
    if code == "mass_balance_unmeasurable":
        return _("No quantities of %(lot)s were recorded: the mass balance cannot be made.") % p
    return gap.get("message", "")
