#!/usr/bin/env python3
"""Start-up to ready: exec guestd serve on an existing database, poll GET /readyz every millisecond, and time exec
to the first 200; SIGTERM, wait, repeat. Prints the median and every run in milliseconds as one JSON line.
Usage: startup.py GUESTD DB SPOOL_DIR [RUNS] [extra serve flags...]"""
import json, os, signal, socket, statistics, subprocess, sys, time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"GET /readyz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def once(guestd, db, spool, extra):
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen([guestd, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--log-level", "warn",
                             "--mail-spool", spool] + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ready(port):
            if proc.poll() is not None:
                raise SystemExit("guestd exited during start-up")
            if time.monotonic() - started > 30:
                raise SystemExit("guestd not ready after 30 s")
            time.sleep(0.001)
        return (time.monotonic() - started) * 1000
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main():
    guestd, db, spool = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    times = [once(guestd, db, spool, sys.argv[5:]) for _ in range(runs)]
    print(json.dumps({"median_ms": round(statistics.median(times), 1), "runs_ms": [round(t, 1) for t in times]}))


if __name__ == "__main__":
    main()
