"""The CSV export byte for byte: the cell formats are a contract with the spreadsheets and scripts
that read these files, so the range export (plain SQL rows) and the session export (the record)
must write exactly what they wrote before, and exactly the same as each other."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from app.exports import csv_fast, csv_rows, service
from app.exports.schemas import ExportReading
from app.sessions.schemas import News2Out
from app.vitals.models import Reading
from tests import factories
from tests.exports.test_ranges import last_hour
from tests.factories import export_reading

pytestmark = pytest.mark.anyio

HEADER = (
    b"session_id,mrn,reading_id,taken_at,recorded_at,phase,source,device_id,heart_rate,systolic,"
    b"diastolic,spo2,respiratory_rate,temperature_c,on_oxygen,consciousness,sedation_rass,"
    b"dissociation_cadss6,note,is_baseline,status,amends,amend_reason,error_reason,late_reason,"
    b"recorded_by,validated_at,validated_by,alerts\r\n"
)


def reading(**overrides: object) -> ExportReading:
    """Fixed ids and times, so the bytes can be written out below."""
    fixed: dict[str, object] = {
        "id": uuid.UUID(int=1),
        "session_id": uuid.UUID(int=2),
        "patient_id": uuid.UUID(int=3),
        "taken_at": datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC),
        "recorded_at": datetime(2025, 3, 4, 5, 6, 9, tzinfo=UTC),
        "recorded_by": uuid.UUID(int=4),
        "news2": News2Out(
            score=0, partial=False, missing=[], carried=[], band="low", components={}
        ),
    }
    return export_reading(**(fixed | overrides))


def test_cells_byte_for_byte():
    full = reading(
        taken_at=datetime(2025, 3, 4, 6, 6, 7, 890123, tzinfo=timezone(timedelta(hours=1))),
        respiratory_rate=14,
        temperature_c=36.6,
        on_oxygen=False,
        consciousness="A",
        sedation_rass=-1,
        dissociation_cadss6=0,
        note='=HYPERLINK("x"), then "quoted"',
        is_baseline=True,
        status="amended",
        amends=uuid.UUID(int=5),
        amend_reason="+1 typed as 11",
        amended_by=uuid.UUID(int=6),
        error_reason="@probe\nfell off",
        late_reason="-charted after discharge",
        recorded_by_username="ada",
        source="device",
        device_id="=00A0B0",
        validated_at=datetime(2025, 3, 4, 5, 10, tzinfo=UTC),
        validated_by=uuid.UUID(int=7),
        validated_by_username="grace",
        alerts=["sbp_high:high", "hr_high:medium"],
    )
    plain = reading(on_oxygen=True, temperature_c=37.0, note="-", amend_reason="\tx")
    assert csv_rows.csv_chunk([full, plain], header=True) == HEADER + (
        b"00000000-0000-0000-0000-000000000002,MRN-100001,00000000-0000-0000-0000-000000000001,"
        b"2025-03-04T06:06:07.890123+01:00,2025-03-04T05:06:09+00:00,infusion,device,'=00A0B0,"
        b'80,120,80,97,14,36.6,false,A,-1,0,"\'=HYPERLINK(""x""), then ""quoted""",true,amended,'
        b"00000000-0000-0000-0000-000000000005,'+1 typed as 11,\"'@probe\nfell off\","
        b"'-charted after discharge,ada,2025-03-04T05:10:00+00:00,grace,"
        b"sbp_high:high;hr_high:medium\r\n"
        b"00000000-0000-0000-0000-000000000002,MRN-100001,00000000-0000-0000-0000-000000000001,"
        b"2025-03-04T05:06:07.890123+00:00,2025-03-04T05:06:09+00:00,infusion,manual,,80,120,80,"
        b"97,,37.0,true,,,,'-,false,final,,'\tx,,,nurse,,,\r\n"
    )
    assert csv_rows.csv_chunk([], header=False) == b""


async def _range_csv(staff) -> bytes:
    answer = await staff.physician.get("/api/exports/sessions.csv", params=last_hour())
    assert answer.status_code == 200, answer.text
    return answer.content


def comparable(app, content: bytes) -> list[bytes] | list[list[str]]:
    """The file's lines, sorted; on PostgreSQL with each `alerts` cell as a set. The alerts one
    reading raises share their `raised_at`, and PostgreSQL leaves the order of equal sort keys
    to the plan (SQLite keeps the order they were written in)."""
    if not app.state.database.is_postgres:
        return sorted(content.split(b"\r\n"))
    rows = list(csv.reader(io.StringIO(content.decode())))
    return sorted([*row[:-1], ";".join(sorted(row[-1].split(";")))] for row in rows)


async def test_range_rows_are_the_session_rows(app, staff, story):
    """The range export writes each reading exactly as the session export does."""
    session = await staff.physician.get(f"/api/exports/sessions/{story.session_id}.csv")
    assert session.status_code == 200, session.text
    ranged = await _range_csv(staff)
    assert ranged.startswith(HEADER) and session.content.startswith(HEADER)
    assert comparable(app, ranged) == comparable(app, session.content)
    assert ranged.count(b"\r\n") == len(story.readings) + 1
    rows = list(csv.DictReader(io.StringIO(ranged.decode())))
    by_id = {row["reading_id"]: row for row in rows}
    r = story.readings
    assert [by_id[r[name]]["status"] for name in ("typo", "correction", "probe_off")] == [
        "amended",
        "final",
        "entered_in_error",
    ]
    assert [name for name in r if by_id[r[name]]["is_baseline"] == "true"] == ["baseline"]
    assert by_id[r["baseline"]]["note"] == '\'=HYPERLINK("x")'
    assert by_id[r["baseline"]]["taken_at"].endswith("+00:00")
    assert by_id[r["baseline"]]["on_oxygen"] == ""
    assert {row["mrn"] for row in rows} == {"EXP-4711"}


async def test_range_across_sessions_and_pages(app, staff, story, monkeypatch):
    """Pages of three rows, streamed two at a time: the correction shares its `taken_at` with the
    reading it corrects, the third and fourth in order, so the keyset must break the tie on id
    across pages; a second session's baseline is flagged too."""
    other = await factories.session(staff.nurse)
    answer = await factories.put_reading(staff.nurse, other["id"], heart_rate=140)
    assert answer.status_code == 201, answer.text
    whole = await _range_csv(staff)
    monkeypatch.setattr(csv_fast, "CSV_BATCH", 3)
    monkeypatch.setattr(csv_fast, "CSV_PART", 2)
    paged = await _range_csv(staff)
    assert comparable(app, paged) == comparable(app, whole)
    rows = list(csv.DictReader(io.StringIO(paged.decode())))
    assert len(rows) == len(story.readings) + 1
    keys = [(row["taken_at"], row["reading_id"]) for row in rows]
    assert keys == sorted(keys)
    extra = next(row for row in rows if row["session_id"] == other["id"])
    assert extra["is_baseline"] == "true"
    assert "hr_high:high" in extra["alerts"].split(";")


async def test_fhir_range_across_pages(staff, story, monkeypatch):
    """As above: the reading and its correction, tied on `taken_at`, on two pages."""
    params = last_hour()
    whole = await staff.admin.get("/api/exports/sessions.fhir.ndjson", params=params)
    monkeypatch.setattr(service, "BATCH", 3)
    paged = await staff.admin.get("/api/exports/sessions.fhir.ndjson", params=params)
    assert paged.status_code == whole.status_code == 200
    assert paged.content == whole.content
    assert whole.content.count(b'"resourceType":"Observation"') > len(story.readings)


async def test_range_reads_times_as_other_tools_store_them(app, staff, story):
    """SQLite keeps times as text. The range export turns SQLAlchemy's form into cells without
    parsing it; text written through the sqlite3 module's own adapter ("+00:00" after it, as
    the bench's bulk load writes) must come out the same as the session export makes it."""
    if not app.state.database.url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps times as timestamps")
    async with app.state.database.session() as db:
        rows = (await db.execute(select(Reading.id, Reading.taken_at, Reading.recorded_at))).all()
        for i, (reading_id, taken_at, recorded_at) in enumerate(rows):
            # A whole second too: isoformat() leaves a zero fraction out.
            taken = taken_at.replace(microsecond=0) if i % 2 else taken_at
            await db.execute(
                text(
                    "UPDATE reading SET taken_at = :taken, recorded_at = :recorded WHERE id = :id"
                ),
                {
                    "taken": taken.isoformat(" "),
                    "recorded": recorded_at.isoformat(" "),
                    "id": reading_id.hex,
                },
            )
        await db.commit()
    session = await staff.physician.get(f"/api/exports/sessions/{story.session_id}.csv")
    ranged = await _range_csv(staff)
    assert comparable(app, ranged) == comparable(app, session.content)
    assert b"+00:00," in ranged and b" " not in ranged.split(b"\r\n")[1].split(b",")[2]
