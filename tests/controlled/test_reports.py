"""The log's reports and the screen's helpers: inventory as of a chosen date, the running log
as PDF per site and per container, who may witness, what a role may do."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from tests.controlled.test_log import draw, infusion_session, receive, waste, witness

pytestmark = pytest.mark.anyio


async def test_the_inventory_as_of_a_date_shows_the_balances_then(staff, site):
    vials = await receive(staff, site)
    before_draw = datetime.now(UTC)
    sid = await infusion_session(staff.nurse)
    d = await draw(staff.nurse, vials[0]["id"], sid, amount_ml=2)
    assert (
        await waste(staff.nurse, d["id"], witness("physician"), amount_ml=0.5)
    ).status_code == 201
    url = f"/api/controlled/sites/{site}/inventory.csv"

    now = list(csv.DictReader(io.StringIO((await staff.admin.get(url)).text)))
    then_answer = await staff.admin.get(url, params={"as_of": before_draw.isoformat()})
    assert then_answer.status_code == 200, then_answer.text
    then = list(csv.DictReader(io.StringIO(then_answer.text)))
    first = vials[0]["label"]
    assert {r["container"]: float(r["balance_ml"]) for r in now}[first] == 8
    assert {r["container"]: float(r["balance_ml"]) for r in then}[first] == 10
    assert {r["container"]: r["opened"] for r in then}[first] == "no"
    before_receipt = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    empty = await staff.admin.get(url, params={"as_of": before_receipt})
    assert list(csv.DictReader(io.StringIO(empty.text))) == []
    future = await staff.admin.get(url, params={"as_of": "2999-01-01T00:00:00Z"})
    assert future.status_code == 422 and "in the future" in future.text
    assert (await staff.nurse.get(url)).status_code == 403

    pdf = await staff.admin.get(
        f"/api/controlled/sites/{site}/inventory.pdf", params={"as_of": before_draw.isoformat()}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert "Biennial inventory" in text and "10" in text


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_the_running_log_prints_per_site_and_per_container(staff, site):
    vials = await receive(staff, site)
    sid = await infusion_session(staff.nurse)
    d = await draw(staff.nurse, vials[1]["id"], sid, amount_ml=2)
    await waste(staff.nurse, d["id"], witness("physician"), amount_ml=0.5)
    whole = await staff.admin.get(f"/api/controlled/sites/{site}/log.pdf")
    assert whole.status_code == 200, whole.text
    text = pdf_text(whole.content)
    assert text.count("receive") == 10 and "draw" in text and "waste" in text
    one = await staff.admin.get(f"/api/controlled/containers/{vials[1]['id']}/log.pdf")
    text = pdf_text(one.content)
    assert vials[1]["label"] in text and text.count("receive") == 1
    assert "Balance now" in text and "8 mL" in text
    assert (await staff.nurse.get(f"/api/controlled/sites/{site}/log.pdf")).status_code == 403


async def test_the_log_csv_names_every_column_it_writes(staff, site):
    await receive(staff, site)
    rows = list(
        csv.reader(
            io.StringIO((await staff.admin.get(f"/api/controlled/sites/{site}/log.csv")).text)
        )
    )
    assert {len(r) for r in rows} == {len(rows[0])}


async def test_nobody_is_offered_as_their_own_witness(staff, site):
    offered = (await staff.nurse.get(f"/api/controlled/sites/{site}/witnesses")).json()
    assert "nurse" not in [w["username"] for w in offered]
    assert {"physician", "admin"} <= {w["username"] for w in offered}
    assert (await staff.nurse.get("/api/controlled/acts")).json() == [
        "receive", "draw", "waste", "witness", "count", "loss"
    ]  # fmt: skip
    assert "resolve" in (await staff.admin.get("/api/controlled/acts")).json()
