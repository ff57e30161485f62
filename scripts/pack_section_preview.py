"""Draw one section of the evidence pack to a PDF, for looking at it while writing it.

    DATA_DIR=... .venv/bin/python scripts/pack_section_preview.py 5.2 2025-12-01 2026-11-30 /tmp/section.pdf
"""
import datetime as dt
import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from leadership.evidence_pack.period import PackPeriod  # noqa: E402
from leadership.evidence_pack.render import PackHeading, part_html  # noqa: E402
from leadership.evidence_pack.sections import section_named  # noqa: E402
from qms_portal.models import Organisation  # noqa: E402
from qms_portal.pdf_assembly import OutlineEntry, pdf_merge, pdf_render_part  # noqa: E402


def main(key: str, start: str, end: str, output: str) -> None:
    period = PackPeriod.of(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    heading = PackHeading(number="EP-PREVIEW", organisation=Organisation.current(), period=period, scope="5",
                          generated_at=timezone.now(), generated_by="Preview")
    section = section_named(key)
    rendered, outline, began = [], [], time.monotonic()
    for plan in section.plans(period, "5"):
        html, content = part_html(section, heading, plan.args)
        part = pdf_render_part(html)
        before = sum(p.pages for p in rendered)
        outline += [OutlineEntry(e.label, e.level, e.page + before) for e in part.outline]
        rendered.append(part)
        print(f"part {plan.label or '(whole)'}: {part.pages} pages, {len(content.records)} records, "
              f"attachments {sorted(content.attachments)}")
    Path(output).write_bytes(pdf_merge([p.pdf for p in rendered], outline=outline))
    print(f"{output}: {sum(p.pages for p in rendered)} pages in {time.monotonic() - began:.1f} s")


if __name__ == "__main__":
    main(*sys.argv[1:5])
