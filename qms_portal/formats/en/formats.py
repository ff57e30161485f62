"""How the portal writes dates and times in English: the one place to change them.

Django's own names (``DATE_FORMAT``...) also serve ``{{ value|date }}`` and unformatted values; the
``LONG_``, ``SIGNED_`` and ``AT_`` names are the portal's, read by ``qms_portal.presentation.day``.
Letters as in Django's ``date`` filter: ``j`` day without a leading zero, ``M`` Aug, ``F`` August.
"""

DATE_FORMAT = "j M Y"  # 8 Aug 2026: tables, lists and compact lines
LONG_DATE_FORMAT = "j F Y"  # 8 August 2026: sentences, the policy and its PDF
WEEKDAY_DATE_FORMAT = "l j M Y"  # Saturday 8 Aug 2026
MONTH_DAY_FORMAT = "j M"  # 8 Aug
YEAR_MONTH_FORMAT = "F Y"  # August 2026
TIME_FORMAT = "H:i"  # 14:30
SECONDS_TIME_FORMAT = "H:i:s"  # 14:30:05, where order within a minute matters (the audit trail)
DATETIME_FORMAT = "j M Y, H:i"  # 8 Aug 2026, 14:30
LONG_DATETIME_FORMAT = "j F Y, H:i"  # 8 August 2026, 14:30
AT_DATETIME_FORMAT = r"j F Y \a\t H:i"  # 8 August 2026 at 14:30
# A signature's time names its zone, so a printed record stands on its own.
SIGNED_DATETIME_FORMAT = "j M Y, H:i T"  # 8 Aug 2026, 14:30 UTC
LONG_SIGNED_DATETIME_FORMAT = "j F Y, H:i T"  # 8 August 2026, 14:30 UTC
