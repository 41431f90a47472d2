"""Mask quarantined records for the run report: only fields known to be non-personal are shown.

An allow-list, not a deny-list: a field the pipeline does not know (schema drift) or a personal
field (names, emails, phones, addresses, dates of birth, and everything of an erasure request) is
masked. JSON null and blank strings are kept, because "missing" is often why a row was
quarantined. Lines that are not JSON objects are not shown at all: they cannot be masked field
by field.
"""

from __future__ import annotations

import json
from typing import Any

MASK = "***"
NOT_SHOWN = "(not a JSON object: content not shown)"

# Dotted paths whose values may be shown; "[]" stands for any element of an array.
SHOWN_FIELDS: dict[str, frozenset[str]] = {
    "customers": frozenset({"id", "country", "segment", "last_change"}),
    "products": frozenset({"sku", "name", "price", "category", "popularity"}),
    "transactions": frozenset(
        {
            "transaction_id",
            "transaction_time",
            "customer_id",
            "delivery_address.country",
            "purchases.total_cost",
            "purchases.products[].sku",
            "purchases.products[].quanitity",
            "purchases.products[].price",
            "purchases.products[].total",
        }
    ),
    # A request names a person (id and email): nothing of it is shown.
    "erasure_requests": frozenset(),
}


def _mask_value(value: Any, path: str, shown: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {
            str(key): _mask_value(item, f"{path}.{key}" if path else str(key), shown)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask_value(item, f"{path}[]", shown) for item in value]
    if value is None or value == "" or path in shown:
        return value
    return MASK


def mask_record(entity: str, record: str | None) -> str | None:
    """The record as JSON text with every value outside the entity's allow-list masked.

    None stays None (erased subjects keep no record); text that is not a JSON object is
    replaced by a note.
    """
    if record is None:
        return None
    try:
        document = json.loads(record)
    except ValueError:
        return NOT_SHOWN
    if not isinstance(document, dict):
        return NOT_SHOWN
    masked = _mask_value(document, "", SHOWN_FIELDS.get(entity, frozenset()))
    return json.dumps(masked, ensure_ascii=False, sort_keys=False)
