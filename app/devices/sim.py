"""`vigil monitor-sim`: bedside monitors that push PCD-01 over MLLP, as a GE or Mindray would.

Each simulated monitor connects as a TCP client, sends one `ORU^R01` every `interval` seconds
(SpO2, heart rate and respiration rate; the blood pressure only every `NIBP_EVERY` messages,
as a cuff cycles every few minutes) and waits for its ACK; without one it resends the same
message (same MSH-10) up to three times, reconnecting when the connection fails, as monitors
do. The vitals follow the ketamine curve of the demo (blood pressure and heart rate rise during
the infusion and settle after), with an occasional desaturation.
"""

import asyncio
import logging
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

log = logging.getLogger(__name__)

VT, END = b"\x0b", b"\x1c\r"
RETRIES = 3
# The cuff cycles every 3 minutes at the default 5 s interval; the first message has a cycle.
NIBP_EVERY = 36


@dataclass
class Monitor:
    device: str  # EUI-64-like id: what a clinic registers and binds to a chair
    mrn: str | None  # PID-3, when the monitor was given the patient's id
    baseline_sbp: float
    baseline_hr: float
    sent: int = 0
    acked: int = 0
    desaturating: int = 0  # messages left in a desaturation


def vitals(monitor: Monitor, minute: float, rng: random.Random) -> dict[str, float]:
    """One snapshot at `minute` of a 40-minute infusion (the curve repeats every hour)."""
    t = minute % 60
    # The ketamine pressor response: up over the first 20 minutes, back down by minute 50.
    rise = max(0.0, math.sin(math.pi * min(t, 50) / 50))
    if monitor.desaturating == 0 and rng.random() < 0.01:
        monitor.desaturating = rng.randint(3, 8)
    spo2 = rng.choice((97, 98, 98, 99))
    if monitor.desaturating:
        monitor.desaturating -= 1
        spo2 = rng.randint(86, 92)
    sbp = monitor.baseline_sbp + 28 * rise + rng.gauss(0, 3)
    return {
        "heart_rate": round(monitor.baseline_hr + 14 * rise + rng.gauss(0, 2)),
        "systolic": round(sbp),
        "diastolic": round(sbp * 0.62 + rng.gauss(0, 2)),
        "spo2": spo2,
        "respiratory_rate": round(14 + rng.gauss(0, 1)),
    }


OBX = {
    "heart_rate": ("147842^MDC_ECG_HEART_RATE^MDC", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
    "systolic": ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "diastolic": ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "266016^MDC_DIM_MMHG^MDC"),
    "spo2": ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "262688^MDC_DIM_PERCENT^MDC"),
    "respiratory_rate": ("151562^MDC_RESP_RATE^MDC", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
}


def pcd01(monitor: Monitor, control_id: str, at: datetime, values: dict[str, float]) -> str:
    """An ORU^R01 in the IHE PCD-01 shape: device in MSH-3 and OBX-18, OBX-11 R, OBX-14."""
    stamp = at.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")
    segments = [
        f"MSH|^~\\&|VIGILSIM^{monitor.device}^EUI-64|SIM|||{stamp}||ORU^R01^ORU_R01"
        f"|{control_id}|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD"
        "^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
    ]
    if monitor.mrn:
        segments.append(f"PID|||{monitor.mrn}^^^Clinic^MR")
    segments.append(f"OBR|1|||182777000^monitoring of patient^SCT|||{stamp}")
    for n, (name, value) in enumerate(values.items(), start=1):
        code, unit = OBX[name]
        segments.append(
            f"OBX|{n}|NM|{code}|1.0.0.{n}|{value:g}|{unit}|||||R|||{stamp}"
            f"|||||{monitor.device}^VIGILSIM"
        )
    return "\r".join(segments) + "\r"


async def exchange(host: str, port: int, text: str, wait: float) -> str:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(VT + text.encode() + END)
        await writer.drain()
        frame = await asyncio.wait_for(reader.readuntil(END), wait)
        return frame[1:-2].decode()
    finally:
        writer.close()


async def run_monitor(
    monitor: Monitor,
    host: str,
    port: int,
    *,
    interval: float,
    count: int | None,
    speed: float,
    rng: random.Random,
) -> None:
    started = datetime.now(UTC)
    n = 0
    while count is None or n < count:
        n += 1
        now = datetime.now(UTC)
        minute = (now - started).total_seconds() / 60 * speed
        values = vitals(monitor, minute, rng)
        if (n - 1) % NIBP_EVERY:
            values = {k: v for k, v in values.items() if k not in ("systolic", "diastolic")}
        text = pcd01(monitor, f"{monitor.device}-{n}", now, values)
        for attempt in range(1 + RETRIES):
            monitor.sent += 1
            try:
                answer = await exchange(host, port, text, wait=10)
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                log.warning("monitor %s: no ACK (%s), attempt %d", monitor.device, exc, attempt + 1)
                await asyncio.sleep(1)
                continue
            monitor.acked += 1
            if "MSA|AA" not in answer:
                log.warning("monitor %s: %s", monitor.device, answer.replace("\r", " | "))
            break
        await asyncio.sleep(interval)


def monitors(chairs: int, mrns: list[str], seed: int) -> list[Monitor]:
    rng = random.Random(seed)  # noqa: S311  (simulated vitals, not secrets)
    return [
        Monitor(
            device=f"00A0B0C0D0E0{i:04X}",
            mrn=mrns[i] if i < len(mrns) else None,
            baseline_sbp=rng.uniform(112, 132),
            baseline_hr=rng.uniform(64, 80),
        )
        for i in range(chairs)
    ]


async def simulate(
    host: str,
    port: int,
    fleet: list[Monitor],
    *,
    interval: float = 5,
    count: int | None = None,
    speed: float = 1,
    seed: int = 1,
) -> None:
    async with asyncio.TaskGroup() as tasks:
        for i, monitor in enumerate(fleet):
            rng = random.Random(seed + i)  # noqa: S311
            tasks.create_task(
                run_monitor(
                    monitor, host, port, interval=interval, count=count, speed=speed, rng=rng
                )
            )
