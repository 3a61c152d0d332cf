"""Links from Baton's keys to CRM ids, the poll's cursors and its one-replica-per-slot claim,
on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from routing.crm.links import CONTACT, DEAL, CrmLink, LinkState
from storage.crm import SqlCrmCursors, SqlCrmLinks
from storage.engine import make_engine
from storage.migrate import upgrade

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_links_are_saved_found_by_key_and_by_id_and_replaced(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    links = SqlCrmLinks(engine)
    contact = CrmLink(CONTACT, "7", "1001", 7)
    deal = CrmLink(DEAL, "7", "4001", 7)
    other = CrmLink(CONTACT, "9", "2001", 9)
    links.save([contact, deal, other], T0)
    assert links.for_keys([(CONTACT, "7"), (DEAL, "7"), (CONTACT, "8")]) == {
        (CONTACT, "7"): contact,
        (DEAL, "7"): deal,
    }
    assert links.for_ids(CONTACT, ["1001", "2001"]) == [contact, other]
    assert links.for_ids(DEAL, ["1001"]) == []
    merged = CrmLink(CONTACT, "7", "2001", 7, LinkState.MERGED, merged=True)
    links.save([merged], T0 + timedelta(minutes=1))
    assert links.for_ids(CONTACT, ["2001"]) == [merged, other]
    assert links.for_keys([(CONTACT, "7")]) == {(CONTACT, "7"): merged}
    engine.dispose()


def test_a_cursor_is_kept_and_moved(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    cursors = SqlCrmCursors(engine)
    assert cursors.get("hubspot:poll:contacts") is None
    cursors.set("hubspot:poll:contacts", "1764838800000", T0)
    cursors.set("hubspot:poll:contacts", "1764838900000", T0)
    assert cursors.get("hubspot:poll:contacts") == "1764838900000"
    engine.dispose()


def test_four_replicas_claiming_one_slot_take_it_once_and_the_next_slot_once_more(
    db_url: str,
) -> None:
    engines = [make_engine(db_url) for _ in range(4)]
    upgrade(engines[0])
    cursors = [SqlCrmCursors(e) for e in engines]
    taken: list[bool] = []

    def replica(n: int) -> None:
        taken.append(cursors[n].claim_slot("hubspot:poll:slot", 5882000, T0))

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [False, False, False, True]
    assert not cursors[0].claim_slot("hubspot:poll:slot", 5881999, T0)  # an older slot
    assert cursors[1].claim_slot("hubspot:poll:slot", 5882001, T0)
    for engine in engines:
        engine.dispose()
