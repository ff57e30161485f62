"""The bench's load client: people signed in through the portal's log-in page asking for one page again and again
on a portal served on 127.0.0.1 (``make bench``, scripts/bench.py), counting answers, errors and response times."""
from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

DEMO_PASSWORD = "Demo-Portal-2026"  # noqa: S105 (the demo's published password)
ORIGIN_HEADERS = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front of gunicorn sets


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
             body: str | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request on a connection of its own (gunicorn's sync workers close each connection after answering)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers={**ORIGIN_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    return dict(value.split(";", 1)[0].strip().split("=", 1) for name, value in headers
                if name.lower() == "set-cookie")


def sign_in(port: int, username: str) -> str:
    """A session of ``username`` through the log-in page (its CSRF token, its form): the Cookie header to send."""
    status, headers, body = request(port, "GET", "/accounts/login/")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None:
        raise SystemExit(f"the log-in page answered {status} without a form")
    origin = f"https://127.0.0.1:{port}"
    status, headers, _ = request(port, "POST", "/accounts/login/", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": origin, "Referer": f"{origin}/accounts/login/",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    }, body=urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD,
                                    "csrfmiddlewaretoken": token.group(1).decode()}))
    cookies.update(_cookies(headers))
    if status != 302:
        raise SystemExit(f"signing in as {username} answered {status}, not a redirect")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


@dataclass
class Load:
    """What N people asking for one page for T seconds got."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0  # from the end of the warm-up to the last answer of a request sent before the end
    last_answer: float = 0.0
    latencies: list[float] = field(default_factory=list)  # milliseconds, answered 200
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def load_page(port: int, path: str, sessions: list[str], seconds: float, warm_up: float) -> Load:
    """Every session asks for ``path`` again as soon as answered, first for a warm-up (each gunicorn worker loads the
    portal as it starts, and compiles a page's templates the first time it draws it), then for ``seconds``."""
    load = Load()
    lock = threading.Lock()
    warm_until = time.monotonic() + warm_up
    stop_at = warm_until + seconds

    def person(cookie: str) -> None:
        while (now := time.monotonic()) < stop_at:
            try:
                status = request(port, "GET", path, headers={"Cookie": cookie})[0]
            except OSError as error:
                status, outcome = 0, type(error).__name__
            else:
                outcome = str(status)
            answered = time.monotonic()
            took = (answered - now) * 1000
            if now < warm_until:
                continue
            with lock:
                load.last_answer = max(load.last_answer, answered)
                load.requests += 1
                load.statuses[outcome] = load.statuses.get(outcome, 0) + 1
                if status == 200:
                    load.latencies.append(took)
                else:
                    load.errors += 1

    threads = [threading.Thread(target=person, args=(cookie,)) for cookie in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Not just ``seconds``: requests sent before the end are counted, so the time they took to answer is too.
    load.seconds = max(load.last_answer - warm_until, seconds)
    return load
