"""The proving ground's load: locust, headless, as a library, in its own process (locust patches
the standard library with gevent, which the launcher's threads and subprocesses must not get).

    python -m bench.proving.load CONFIG.json

CONFIG names the cluster URL, the world (from ``bench.proving.seed``), users, duration, seed, the
drawing files and the output directory. Every request goes to ``requests.jsonl`` (wall time from
``kernel.clock``, class, status, milliseconds, problem code); every acknowledged write to
``acked.json`` (sign-ups, uploads, comments, purchases), so the verdict can look each one up.
"""

from __future__ import annotations

import gevent.monkey  # type: ignore[import-untyped]

gevent.monkey.patch_all()

import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from locust import between, events, task  # noqa: E402
from locust.contrib.fasthttp import FastHttpUser  # noqa: E402
from locust.env import Environment  # noqa: E402

from kernel import clock  # noqa: E402

MARKET = "/api/v1/market"
DRAWINGS = "/api/v1/drawings"
CONFIG: dict[str, Any] = {}
WORLD: dict[str, Any] = {}
RNG = random.Random(0)
ACKED: dict[str, list[Any]] = {
    "signups": [], "uploads": [], "comments": [], "purchases": [], "ratings": [],
}  # fmt: skip
REVISIONS: list[dict[str, Any]] = []  # acknowledged uploads the reviewers open
LOG: list[Any] = []  # the open request log (one element)


def _on_request(
    request_type: str, name: str, response_time: float, response: Any = None,
    exception: Any = None, **_: Any,
) -> None:  # fmt: skip
    status = getattr(response, "status_code", 0) or 0
    code = ""
    if status >= 400:
        try:
            code = str(response.json().get("code", ""))
        except Exception:
            code = "?"
    line = [clock.now().timestamp(), name, status, round(response_time, 1), code]
    LOG[0].write(json.dumps(line) + "\n")


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class HttpUser(FastHttpUser):
    """geventhttpclient, not python-requests: the load tool shares the platform's two cores, and
    requests' per-call work (several times geventhttpclient's, locust's docs) was CPU taken from
    the platform and time added to every measured response."""

    abstract = True
    network_timeout = 300.0  # an upload during a MinIO fault may take minutes; never give up early
    connection_timeout = 60.0


class Public(HttpUser):
    """The public: the board, the directory, a purchase, the home page."""

    weight = 6
    wait_time = between(0.5, 2.0)

    @task(4)
    def board(self) -> None:
        self.client.get(f"{MARKET}/board", name="board")

    @task(3)
    def directory(self) -> None:
        self.client.get(f"{MARKET}/intermediaries", name="directory")

    @task(3)
    def purchase(self) -> None:
        pid = RNG.choice(WORLD["openPurchases"])
        self.client.get(f"{MARKET}/purchases/{pid}", name="purchase")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="page")


class Firm(HttpUser):
    """An intermediary: logs in with its password, then signs up with sealed quotes."""

    weight = 3
    wait_time = between(1.0, 3.0)
    token = ""

    def on_start(self) -> None:
        firm = RNG.choice(WORLD["firms"])
        self.uscc = firm["uscc"]
        body = {"username": firm["username"], "password": firm["password"]}
        for _ in range(30):
            r = self.client.post("/api/v1/accounts/login", json=body, name="login")
            if r.status_code == 200:
                self.token = r.json()["accessToken"]
                return
            gevent.sleep(2)

    @task(3)
    def sign_up(self) -> None:
        if not self.token:
            return
        pid = RNG.choice(WORLD["openPurchases"])
        quote = RNG.randint(50, 80) * 100_000  # within the 5–8 万元 range
        r = self.client.post(
            f"{MARKET}/purchases/{pid}/signups", json={"quote": quote},
            headers=_headers(self.token), name="signup",
        )  # fmt: skip
        if r.status_code == 201:
            ACKED["signups"].append([pid, self.uscc, r.json()["id"]])

    @task(2)
    def eligible(self) -> None:
        if self.token:
            self.client.get(f"{MARKET}/purchases/eligible", headers=_headers(self.token),
                            name="eligible")  # fmt: skip


class Owner(HttpUser):
    """A project owner: uploads DXF/PDF revisions, now and then publishes a purchase or rates a
    service it has accepted."""

    weight = 1
    wait_time = between(2.0, 5.0)

    def on_start(self) -> None:
        i = RNG.randrange(len(WORLD["owners"]))
        self.owner = WORLD["owners"][i]
        self.project = WORLD["projects"][i]
        self.rateable: list[int] = WORLD["rateable"][i]  # shared by this owner's users

    @task(1)
    def rate(self) -> None:
        if not self.rateable:
            return
        pid = self.rateable.pop()
        scores = {k: RNG.randint(3, 5) for k in ("quality", "timeliness", "attitude", "fee",
                                                  "compliance")}  # fmt: skip
        r = self.client.post(
            f"{MARKET}/purchases/{pid}/rating", json={**scores, "comment": "按期交付，成果完整"},
            headers=_headers(self.owner["token"]), name="rating",
        )  # fmt: skip
        if r.status_code == 201:
            ACKED["ratings"].append(pid)
        elif r.status_code != 409:  # no answer, or 503 during a fault: rate it again later
            self.rateable.insert(0, pid)

    @task(4)
    def upload(self) -> None:
        path = Path(RNG.choice(CONFIG["files"]))
        sheet = f"A-{RNG.randint(1, 3):02d}"
        url = f"{DRAWINGS}/projects/{self.project}/sheets/{sheet}/revisions"
        r = self.client.post(  # bytes are a body locust documents, not in its type hints
            url, params={"filename": path.name}, data=path.read_bytes(),  # type: ignore[arg-type]
            headers={**_headers(self.owner["token"]), "Content-Type": "application/octet-stream"},
            name="upload",
        )  # fmt: skip
        if r.status_code == 201:
            rid = r.json()["id"]
            ACKED["uploads"].append([rid, str(path)])
            REVISIONS.append({"id": rid, "project": self.project, "sheet": sheet})

    @task(1)
    def publish_purchase(self) -> None:
        n = RNG.randint(10_000, 99_999)
        deadline = clock.now().timestamp() + 20 * 86400
        body = {
            "projectCode": f"2026-330100-48-03-{n:06d}", "projectName": f"负载新建项目{n}",
            "itemCode": "54C", "content": "竣工联合测绘", "method": "random_draw",
            "fundType": "state", "serviceWorkingDays": 20,
            "signupDeadline": _iso(deadline), "selectionTime": _iso(deadline + 3600),
            "priceFloor": 5_000_000, "priceCeiling": 8_000_000,
            "qualificationRule": {"kind": "any",
                                  "items": [{"type": "测绘资质·工程测量", "minGrade": "乙级"}]},
            "witnesses": [{"name": "王见证", "phone": "13800000000"}],
        }  # fmt: skip
        h = _headers(self.owner["token"])
        r = self.client.post(f"{MARKET}/purchases", json=body, headers=h, name="purchase_create")
        if r.status_code == 201:
            pid = r.json()["id"]
            r = self.client.post(f"{MARKET}/purchases/{pid}/publish", headers=h, name="publish")
            ACKED["purchases"].append([pid, r.status_code])


def _iso(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


class Reviewer(HttpUser):
    """A review agency: opens previews and diffs of uploaded revisions, leaves comments."""

    weight = 1
    wait_time = between(1.0, 3.0)

    @task(3)
    def preview(self) -> None:
        if REVISIONS:
            rid = RNG.choice(REVISIONS)["id"]
            self.client.get(f"{DRAWINGS}/revisions/{rid}/preview.svg",
                            headers=self._h(), name="preview")  # fmt: skip

    @task(2)
    def diff(self) -> None:
        if len(REVISIONS) >= 2:
            a = RNG.choice(REVISIONS)
            same = [r for r in REVISIONS if r["sheet"] == a["sheet"] and
                    r["project"] == a["project"] and r["id"] != a["id"]]  # fmt: skip
            if same:
                b = RNG.choice(same)
                self.client.get(f"{DRAWINGS}/revisions/{b['id']}/diff/{a['id']}",
                                headers=self._h(), name="diff")  # fmt: skip

    @task(1)
    def comment(self) -> None:
        if REVISIONS:
            rid = RNG.choice(REVISIONS)["id"]
            body = {"x": RNG.uniform(0, 100), "y": RNG.uniform(0, 100),
                    "body": f"请核对标注{RNG.randint(1, 999)}"}  # fmt: skip
            r = self.client.post(f"{DRAWINGS}/revisions/{rid}/comments", json=body,
                                 headers=self._h(), name="comment")  # fmt: skip
            if r.status_code == 201:
                ACKED["comments"].append([rid, r.json()["id"]])

    def _h(self) -> dict[str, str]:
        return _headers(WORLD["reviewer"]["token"])


def main() -> None:
    CONFIG.update(json.loads(Path(sys.argv[1]).read_text()))
    WORLD.update(json.loads(Path(CONFIG["world"]).read_text()))
    RNG.seed(CONFIG["seed"])
    random.seed(CONFIG["seed"])  # locust's wait times
    out = Path(CONFIG["out"])
    LOG.append((out / "requests.jsonl").open("w", buffering=1))
    events.request.add_listener(_on_request)  # type: ignore[no-untyped-call]
    env = Environment(user_classes=[Public, Firm, Owner, Reviewer], events=events,
                      host=CONFIG["url"])  # fmt: skip
    runner = env.create_local_runner()
    runner.start(CONFIG["users"], spawn_rate=CONFIG["spawn_rate"])
    gevent.spawn_later(CONFIG["duration"], runner.quit)
    runner.greenlet.join()
    LOG[0].close()
    (out / "acked.json").write_text(json.dumps(ACKED))
    print(json.dumps({k: len(v) for k, v in ACKED.items()}))


if __name__ == "__main__":
    main()
