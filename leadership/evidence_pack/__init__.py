"""The evidence pack: one PDF an external auditor takes away to answer the Clause 5 audit questions for a period.

Layout of this package:

- ``period.py``: the period a pack covers, in the organisation's time zone.
- ``sections/``: what each section holds (one module per requirement area), the contract in ``sections/base.py``.
- ``render.py``: a section part's HTML and PDF; ``assembly`` (the core's ``qms_portal.pdf_assembly``) merges them.
- ``building.py``: the pack's life: started, its parts rendered by the ``pdf`` workers, merged, stored, verified.
"""
