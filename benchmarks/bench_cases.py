"""Case work: create/save/transition latency and the 案件 list over a busy village's cases.

Builds its own village (2,000 households) in a temporary folder and adds 1,500 低保 cases
through the services, as clerks would, then measures.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date

from sqlalchemy import select

from benchmarks.common import bench_key, percentiles
from jydesk.domain.entities import CaseStatus
from jydesk.store import SYSTEM_ACTOR, open_store
from jydesk.store import cases as svc
from jydesk.store.demo import generate
from jydesk.store.models import Person
from jydesk.ui.printing.preview_panel import render_request
from jydesk.ui.printing.support import PrintRequest

HOUSEHOLDS = 2000
CASES = 1500


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(folder, key=bench_key())
        try:
            generate(store, HOUSEHOLDS, 7)
            svc.seed_holidays(store, SYSTEM_ACTOR)
            with store.read() as s:
                heads = s.execute(select(Person.id, Person.household_id).where(Person.relation == "本人")
                                  .order_by(Person.id).limit(CASES)).all()
            create, save, move = [], [], []
            ids = []
            for pid, hid in heads:
                t = time.perf_counter()
                cid = svc.create_case(store, SYSTEM_ACTOR, "dibao", household_id=hid, applicant_id=pid)
                create.append(_ms(t))
                ids.append(cid)
            for cid in ids[:300]:
                values = {**svc.load_case(store, cid).values, "reason": "家庭成员患重病。", "poverty_causes": ["因病"]}
                for m in values.get("members", []):
                    m.setdefault("monthly_income", "200")
                t = time.perf_counter()
                svc.save_values(store, SYSTEM_ACTOR, cid, values)
                save.append(_ms(t))
                t = time.perf_counter()
                svc.transition(store, SYSTEM_ACTOR, cid, CaseStatus.ACCEPTED)
                move.append(_ms(t))
            print(f"create case (prefill + row + event + audit + outbox): {percentiles(create)}")
            print(f"save form values (normalise + diff + audit + outbox): {percentiles(save)}")
            print(f"transition 受理 (full validation + status + event):    {percentiles(move)}")
            calendar = svc.work_calendar(store)
            listing, counting = [], []
            for _ in range(7):
                t = time.perf_counter()
                rows = svc.list_cases(store, today=date.today(), calendar=calendar)
                listing.append(_ms(t))
                t = time.perf_counter()
                svc.status_counts(store)
                counting.append(_ms(t))
            print(f"案件 list with deadline states ({len(rows):,} cases): {percentiles(listing)}")
            print(f"counts per status: {percentiles(counting)}")

            samples = []
            for cid in ids[:20]:
                t = time.perf_counter()
                render_request(store, PrintRequest("bench", (cid,)))
                samples.append(_ms(t))
            print(f"preview PDF of one case (store read + render): {percentiles(samples)}")
            t = time.perf_counter()
            pdf, _ = render_request(store, PrintRequest("bench", tuple(ids[:50])))
            print(f"batch of 50 cases as one PDF: {_ms(t):.0f} ms ({len(pdf) / 1024:.0f} KiB)")
        finally:
            store.close()


if __name__ == "__main__":
    main()
