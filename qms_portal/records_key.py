"""The keyed hash (HMAC-SHA256) that seals records against editing in the database: electronic signatures, the
audit trail's chain and its anchors.

The key is ``settings.RECORDS_HMAC_KEY``, read from the environment and never stored in the database: whoever can
edit a row cannot compute the seal of what they wrote. A plain SHA-256 could be recomputed by anyone.
"""
from __future__ import annotations

import hmac
import json
from typing import Any

from django.conf import settings


def records_hmac(message: str) -> str:
    """The hex HMAC-SHA256 of ``message`` (UTF-8) under the records key."""
    # hmac.digest: the one-shot form of hmac.new(...).hexdigest(), same bytes, without an HMAC object per message (a
    # bulk write seals tens of thousands of trail entries in one go).
    return hmac.digest(settings.RECORDS_HMAC_KEY.encode("utf-8"), message.encode("utf-8"), "sha256").hex()


def records_hmac_matches(message: str, seal: str) -> bool:
    """Whether ``seal`` is the records key's HMAC of ``message``, compared in constant time."""
    return hmac.compare_digest(records_hmac(message), seal or "")


# Made once: json.dumps() with options other than its defaults builds a new encoder for every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """``value`` as the one JSON text that is hashed: sorted keys, no spaces, UTF-8 kept as it is."""
    return _CANONICAL.encode(value)
