"""`vigil demo`: a demo clinic whose simulated chairs post readings through the real API.

Everything here is DEMO data: fictional patients, demo users with passwords printed at start.
Clinical time runs `speed` times faster than wall time so a whole session (baseline, a 40 min
infusion with its blood-pressure rise, recovery, discharge) plays out in a few minutes.
"""

import asyncio
import logging
import math
import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from app.auth.models import User
from app.auth.service import hash_password, revoke_user_logins
from app.db import Database
from app.devices.sim import OBX, Monitor, exchange, pcd01
from app.protocols.models import Protocol
from app.protocols.rules import IV_KETAMINE
from app.screening.rules import HARD_STOPS
from app.sites.service import furnish_site

log = logging.getLogger("vigil.demo")

DEMO_USERS = (
    ("nurse", "nurse", "Demo Nurse Kim (DEMO)"),
    ("doctor", "physician", "Demo Dr. Osei (DEMO)"),
    ("admin", "admin", "Demo Admin (DEMO)"),
)
FIRST = ["Avery", "Blake", "Casey", "Devon", "Emerson", "Finley", "Harper", "Jules", "Kai", "Logan"]
LAST = ["Demo-Adler", "Demo-Brook", "Demo-Cruz", "Demo-Dale", "Demo-Ellis", "Demo-Frost"]
CHECKLIST = {
    "identity_checked": True,
    "consent_signed": True,
    "fasting_confirmed": True,
    "escort_confirmed": True,
}


def clear_screening(*, escort_name: str, escort_phone: str, fasted_hours: float) -> dict[str, Any]:
    """A screening form (POST /api/sessions/{id}/screening) with every contraindication
    answered no: the demo's, the benchmark's and the tests' patients have none."""
    return {
        "answers": dict.fromkeys(HARD_STOPS, False),
        "last_food_at": (datetime.now(UTC) - timedelta(hours=fasted_hours)).isoformat(),
        "escort_name": escort_name,
        "escort_phone": escort_phone,
    }


ALDRETE = {
    "activity": 2,
    "respiration": 2,
    "circulation": 2,
    "consciousness": 2,
    "oxygen_saturation": 2,
}


async def seed_users(database: Database, password: str, chairs: list[str]) -> None:
    """Demo users get the password of this run (their older logins end) and work at the first
    site, which gets the demo's chairs."""
    users: list[uuid.UUID] = []
    async with database.session() as db:
        for username, role, display in DEMO_USERS:
            user = await db.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(username=username, role=role, display_name=display, password_hash="")
                db.add(user)
                await db.flush()
            user.password_hash, user.active = hash_password(password), True
            await revoke_user_logins(db, user_id=user.id)
            users.append(user.id)
        await furnish_site(db, chairs=chairs, members=users)
        await db.commit()


DEMO_PROTOCOL = "demo-iv-ketamine"


async def seed_demo_protocol(database: Database, speed: float) -> None:
    """The IV protocol with its clock `speed` times faster, so cadences and waits shrink to
    match the simulated chairs."""
    rules = IV_KETAMINE.model_copy(
        update={
            "infusion_check_seconds": IV_KETAMINE.infusion_check_seconds / speed,
            "recovery_check_seconds": IV_KETAMINE.recovery_check_seconds / speed,
            "min_recovery_minutes": IV_KETAMINE.min_recovery_minutes / speed,
        }
    )
    async with database.session() as db:
        protocol = await db.scalar(select(Protocol).where(Protocol.code == DEMO_PROTOCOL))
        if protocol is None:
            protocol = Protocol(code=DEMO_PROTOCOL, name="DEMO: IV ketamine, fast clock", rules={})
            db.add(protocol)
        protocol.rules = rules.model_dump(mode="json")
        await db.commit()


@dataclass
class Chair:
    """One simulated chair: a patient profile and where the session stands in clinical minutes."""

    location: str
    offset_min: float  # clinical minutes into the infusion when the demo starts
    baseline_sbp: int
    baseline_dbp: int
    baseline_hr: int
    event: str | None  # "desaturation" | "bradycardia" | None
    rng: random.Random = field(default_factory=random.Random)
    # The bedside monitor whose HL7 (PCD-01 over MLLP) charts this chair's readings; None: the
    # nurse enters them.
    monitor: str | None = None

    def vitals(self, phase: str, minute: float) -> dict[str, Any]:
        """Ketamine's sympathomimetic rise peaks near the end of a 40 min infusion."""
        if phase in ("infusion", "paused"):
            rise = math.sin(min(minute, 40) / 40 * math.pi / 2) ** 2
        elif phase == "recovery":
            rise = max(0.0, 1 - minute / 25)
        else:
            rise = 0.0
        noise = self.rng.gauss
        sbp = round(self.baseline_sbp + 38 * rise + noise(0, 4))
        dbp = round(self.baseline_dbp + 18 * rise + noise(0, 3))
        hr = round(self.baseline_hr + 16 * rise + noise(0, 3))
        spo2 = min(100, round(97 + noise(0, 0.8)))
        rr = round(14 + noise(0, 1.2))
        if self.event == "desaturation" and phase == "recovery" and 4 <= minute <= 10:
            spo2, rr = 89 + self.rng.randint(0, 2), 9
        if self.event == "bradycardia" and phase == "infusion" and 20 <= minute <= 26:
            hr = 44 + self.rng.randint(0, 3)
        return {
            "taken_at": datetime.now(UTC).isoformat(),
            "heart_rate": hr,
            "systolic": sbp,
            "diastolic": min(dbp, sbp - 20),
            "spo2": spo2,
            "respiratory_rate": rr,
            "temperature_c": round(36.7 + noise(0, 0.2), 1),
            "consciousness": "A",
            "sedation_rass": -1 if phase == "infusion" and rise > 0.5 else 0,
            "dissociation_cadss6": round(8 * rise) if phase == "infusion" else 0,
            "note": "DEMO reading",
        }


class Simulator:
    def __init__(
        self, base_url: str, password: str, speed: float, mllp: tuple[str, int] | None = None
    ) -> None:
        self.base_url, self.password, self.speed = base_url, password, speed
        self.mllp = mllp
        self.rng = random.Random()

    def real_seconds(self, clinical_minutes: float) -> float:
        return clinical_minutes * 60 / self.speed

    async def run(self, chairs: list[Chair]) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            token = await client.post(
                "/api/auth/token", data={"username": "nurse", "password": self.password}
            )
            token.raise_for_status()
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            doctor = httpx.AsyncClient(base_url=self.base_url, timeout=30)
            answer = await doctor.post(
                "/api/auth/token", data={"username": "doctor", "password": self.password}
            )
            answer.raise_for_status()
            doctor.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            try:
                async with asyncio.TaskGroup() as group:
                    for chair in chairs:
                        group.create_task(self.loop(client, doctor, chair))
            finally:
                await doctor.aclose()

    async def loop(self, nurse: httpx.AsyncClient, doctor: httpx.AsyncClient, chair: Chair) -> None:
        while True:
            try:
                await self.one_session(nurse, doctor, chair)
            except (httpx.HTTPError, KeyError) as exc:
                log.warning("demo chair %s: %s", chair.location, exc)
            await asyncio.sleep(self.real_seconds(8))
            chair.offset_min = 0

    async def chair_id(self, nurse: httpx.AsyncClient, name: str) -> str:
        sites = (await nurse.get("/api/sites")).raise_for_status().json()
        return next(str(c["id"]) for site in sites for c in site["chairs"] if c["name"] == name)

    async def reading(
        self, nurse: httpx.AsyncClient, sid: str, chair: Chair, mrn: str, body: dict[str, Any]
    ) -> None:
        if chair.monitor is not None and self.mllp is not None:
            # What the monitor measures, sent as the monitor sends it (`vigil monitor-sim`).
            measured = {k: body[k] for k in OBX}
            monitor = Monitor(chair.monitor, mrn, chair.baseline_sbp, chair.baseline_hr)
            text = pcd01(monitor, uuid.uuid4().hex[:20], datetime.now(UTC), measured)
            ack = await exchange(*self.mllp, text, wait=30)
            if "MSA|AA" not in ack:
                log.warning("demo monitor %s: %s", chair.monitor, ack.replace("\r", " | "))
            await self.validate(nurse, sid)
            return
        answer = await nurse.put(f"/api/sessions/{sid}/readings/{uuid.uuid4()}", json=body)
        answer.raise_for_status()

    async def validate(self, nurse: httpx.AsyncClient, sid: str) -> None:
        """The demo nurse at the chair validates what the monitor sent (its readings meet the
        charting cadence only then), as she would on the tablet."""
        readings = (await nurse.get(f"/api/sessions/{sid}/readings")).raise_for_status().json()
        pending = [
            r["id"]
            for r in readings
            if r["source"] == "device" and r["status"] == "final" and r["validated_at"] is None
        ]
        if pending:
            review = {"reading_ids": pending, "outcome": "validated"}
            answer = await nurse.post(f"/api/sessions/{sid}/readings/review", json=review)
            answer.raise_for_status()

    async def one_session(
        self, nurse: httpx.AsyncClient, doctor: httpx.AsyncClient, chair: Chair
    ) -> None:
        name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
        patient = await nurse.post(
            "/api/patients",
            json={
                "mrn": f"DEMO-{secrets.token_hex(3).upper()}",
                "full_name": name,
                "date_of_birth": f"19{self.rng.randint(55, 99)}-0{self.rng.randint(1, 9)}-15",
                "notes": "DEMO patient: fictional",
            },
        )
        patient.raise_for_status()
        mrn = str(patient.json()["mrn"])
        weight = self.rng.randint(55, 105)
        created = await nurse.post(
            "/api/sessions",
            json={
                "patient_id": patient.json()["id"],
                "chair_id": await self.chair_id(nurse, chair.location),
                "protocol": DEMO_PROTOCOL,
                "weight_kg": weight,
                "dose_mg_per_kg": 0.5,
            },
        )
        created.raise_for_status()
        sid = created.json()["id"]
        await nurse.patch(f"/api/sessions/{sid}/checklist", json=CHECKLIST)
        screening = clear_screening(
            escort_name=f"{self.rng.choice(FIRST)} {name.split()[1]} (DEMO escort)",
            escort_phone=f"+1 555 01{self.rng.randint(10, 99)}",
            fasted_hours=self.rng.randint(3, 8),
        )
        (await nurse.post(f"/api/sessions/{sid}/screening", json=screening)).raise_for_status()
        await self.reading(nurse, sid, chair, mrn, chair.vitals("pre_infusion", 0))
        if chair.offset_min == 0:
            await asyncio.sleep(self.real_seconds(5))
        await self.transition(nurse, sid, "infusion")
        interval = 5.0  # a reading every 5 clinical minutes
        minute = chair.offset_min
        while minute < 40:
            await self.reading(nurse, sid, chair, mrn, chair.vitals("infusion", minute))
            await asyncio.sleep(self.real_seconds(interval))
            minute += interval
        await self.transition(nurse, sid, "recovery")
        minute = 0.0
        while minute < 30:
            await self.reading(nurse, sid, chair, mrn, chair.vitals("recovery", minute))
            await asyncio.sleep(self.real_seconds(interval))
            minute += interval
        await self.reading(nurse, sid, chair, mrn, chair.vitals("recovery", 30))
        # The demo physician acknowledges what is still open before the chair is discharged.
        open_alerts = await doctor.get("/api/alerts", params={"state": "active", "session_id": sid})
        for alert in open_alerts.json():
            await doctor.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "DEMO ack"})
        done = await self.transition(nurse, sid, "discharged", aldrete=ALDRETE)
        if done.status_code == 409:
            await self.transition(
                doctor,
                sid,
                "discharged",
                aldrete=ALDRETE,
                override=True,
                reason="DEMO: criteria reviewed by physician",
            )

    async def transition(
        self, client: httpx.AsyncClient, sid: str, to: str, **extra: Any
    ) -> httpx.Response:
        answer = await client.post(f"/api/sessions/{sid}/transitions", json={"to": to, **extra})
        if answer.status_code not in (200, 409):
            answer.raise_for_status()
        return answer


# Eight chairs, six of them simulated: the dashboard shows empty chairs in their places too.
DEMO_CHAIRS = [f"Chair {i + 1}" for i in range(8)]


def demo_chairs(rng: random.Random | None = None) -> list[Chair]:
    """The demo's six chairs; `rng` seeded gives the same patients every time (bench/burden.py)."""
    rng = rng or random.Random()
    plans = [
        (0, None),
        (5, None),
        (22, "bradycardia"),
        (34, None),
        (38, "desaturation"),
        (12, None),
    ]
    return [
        Chair(
            location=DEMO_CHAIRS[i],
            offset_min=offset,
            baseline_sbp=rng.randint(112, 134),
            baseline_dbp=rng.randint(70, 84),
            baseline_hr=rng.randint(62, 82),
            event=event,
            rng=rng,
            # Half the chairs have a networked monitor.
            monitor=f"00A0B0C0D0E0{i:04X}" if i % 2 else None,
        )
        for i, (offset, event) in enumerate(plans)
    ]
