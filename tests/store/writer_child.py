"""A second process writing the same data folder (run by the concurrency tests).

``python -m tests.store.writer_child FOLDER MODE N TAG GO_FILE``: waits for GO_FILE, then makes N
saves and prints a JSON summary. MODE ``saves``: each save reads the table then adds a person
with a fresh 身份证号 (a read-then-write transaction). MODE ``same-ids``: adds persons numbered
0..N-1 (the other process adds the same numbers), skipping the database's refusals.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from jydesk.domain.errors import ValidationError
from jydesk.domain.idnumber import check_digit
from jydesk.store import Actor
from jydesk.store.models import Person
from tests.keys import keyed


def id_number(n: int) -> str:
    first17 = f"5101851960{(n // 28) % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    return first17 + check_digit(first17)


def main(folder: str, mode: str, count: int, tag: str, go: str) -> None:
    store = keyed(folder)
    actor = Actor(f"clerk-{tag}", f"专干{tag}")
    while not Path(go).exists():
        time.sleep(0.005)
    failures: list[str] = []
    refused = 0
    for i in range(count):
        number = id_number(i if mode == "same-ids" else 100_000 * int(tag) + i)
        try:
            with store.write(actor) as w:
                w.session.execute(select(func.count()).select_from(Person)).scalar()
                w.add(Person(name=f"测试{tag}", id_number=number))
        except ValidationError:
            refused += 1
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}"[:200])
    store.close()
    print(json.dumps({"failures": failures, "refused": refused}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
