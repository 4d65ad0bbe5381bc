#!/usr/bin/env python3
"""Writes bench/run.sh's dated Markdown report, each figure beside the previous report's, and prints it.

The previous report is the newest earlier bench/results/*.md; its figures are read back from the JSON block every
report ends with (<!-- bench-data ... -->). bench/notes.md, hand-kept, is appended: why a target is missed and
what would close it."""
import argparse, datetime, glob, json, os, platform, re, subprocess

p = argparse.ArgumentParser()
for name in ["results", "flood", "probe", "startup", "commit", "out-dir", "load"]:
    p.add_argument("--" + name, required=True)
for name in ["queue-max", "hash-queue", "shed-total", "hash-floor", "hash-floor-kept", "duration", "connections", "guests", "db-mib",
             "generated-s", "flood-connections", "flood-delay", "read-delay", "paced-connections"]:
    p.add_argument("--" + name, type=float, required=True)
a = p.parse_args()

rows = {}
for line in open(a.results):
    r = json.loads(line)
    rows[r["name"]] = r
flood = json.load(open(a.flood))
probe = json.load(open(a.probe))
startup = json.loads(a.startup)

now = datetime.datetime.now(datetime.timezone.utc)
out_path = os.path.join(a.out_dir, now.strftime("%Y-%m-%d-%H%M") + ".md")
earlier = sorted(f for f in glob.glob(os.path.join(a.out_dir, "*.md")) if os.path.basename(f) < os.path.basename(out_path))
previous, previous_name = {}, None
if earlier:
    previous_name = os.path.basename(earlier[-1])
    m = re.search(r"<!-- bench-data (.*?) -->", open(earlier[-1]).read(), re.S)
    if m:
        previous = json.loads(m.group(1))

nginx = rows["nginx-floor"]["rps"]
login_capacity = rows["login"]["rps"]
flood_offered = flood["requests"] / flood["seconds"]
unloaded_p99 = rows["reads-paced"]["p99_ms"]
loaded_p99 = rows["reads-under-flood"]["p99_ms"]

# The figures compared run to run, flat: "scenario.figure" -> value.
figures = {}
for name, r in rows.items():
    for k in ["rps", "p50_ms", "p99_ms", "p999_ms", "cpu_cores", "cpu_us_per_request", "peak_rss_mib", "disk_read_mib"]:
        figures[f"{name}.{k}"] = r[k]
figures.update({
    "floor.nginx_rps": nginx, "floor.argon2id_per_s": a.hash_floor,
    "ratio.reads_to_nginx": rows["guest-informations"]["rps"] / nginx,
    "ratio.http_stack_to_nginx": rows["healthz"]["rps"] / nginx,
    "reads.store_cpu_us_per_request": rows["guest-informations"]["cpu_us_per_request"] - rows["healthz"]["cpu_us_per_request"],
    "ratio.reservations_to_nginx": rows["guest-reservations"]["rps"] / nginx,
    "floor.argon2id_kept_per_s": a.hash_floor_kept,
    "ratio.login_to_argon2id": login_capacity / a.hash_floor,
    "ratio.login_to_argon2id_kept": login_capacity / a.hash_floor_kept,
    "ratio.update_password_to_argon2id": rows["update-password"]["rps"] / a.hash_floor,
    "flood.offered_x_capacity": flood_offered / login_capacity,
    "flood.reads_p99_ratio": loaded_p99 / unloaded_p99 if unloaded_p99 else 0,
    "flood.shed_p99_ms": probe["p99_ms"], "flood.shed_max_ms": probe["max_ms"],
    "flood.queue_max": a.queue_max,
    "startup.median_ms": startup["median_ms"],
    "rss.peak_mib": max(r["peak_rss_mib"] for n, r in rows.items() if n != "nginx-floor"),
})


def fmt(v, digits):
    return f"{v:,.{digits}f}"


def cell(key, digits=1, lower_is_better=False):
    """The figure, then the previous report's and the change."""
    v = figures[key]
    if key not in previous:
        return fmt(v, digits) + " (new)"
    old = previous[key]
    change = (v - old) / old * 100 if old else 0.0
    return f"{fmt(v, digits)} (prev {fmt(old, digits)}, {change:+.0f}%)"


def errors(r, ok=(200,)):
    bad = sum(n for code, n in r.get("statuses", {}).items() if int(code) not in ok)
    return bad + r.get("socket_errors", 0)


def main_table():
    head = ("| scenario | conns | requests/s | p50 ms | p99 ms | p99.9 ms | CPU (cores) | CPU µs per request | peak RSS MiB "
            "| disk reads MiB | ratio to floor | errors |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    floors = {"guest-informations": ("reads_to_nginx", "nginx"), "guest-reservations": ("reservations_to_nginx", "nginx"),
              "login": ("login_to_argon2id", "argon2id"), "update-password": ("update_password_to_argon2id", "argon2id")}
    for name in ["nginx-floor", "healthz", "guest-informations", "guest-reservations", "account-exists", "put-guest-informations",
                 "reset-request", "login", "update-password", "reads-paced", "reads-under-flood"]:
        r = rows[name]
        if name == "nginx-floor":
            ratio = "HTTP floor"
        elif name in floors:
            key, floor = floors[name]
            ratio = f"{cell('ratio.' + key, 2)} of {floor}"
        else:
            ratio = f"{r['rps'] / nginx:.2f} of nginx"
        lines.append(f"| {name} | {r['connections']} | {cell(name + '.rps')} | {cell(name + '.p50_ms', 2)} | "
                     f"{cell(name + '.p99_ms', 2)} | {cell(name + '.p999_ms', 2)} | {cell(name + '.cpu_cores', 2)} | "
                     f"{cell(name + '.cpu_us_per_request')} | {cell(name + '.peak_rss_mib')} | "
                     f"{cell(name + '.disk_read_mib')} | {ratio} | {errors(r)} |")
    lines.append(f"| argon2id floor | - | {cell('floor.argon2id_per_s')} | | | | 2 (all) | | | | hashing floor | |")
    lines.append(f"| argon2id, memory kept | - | {cell('floor.argon2id_kept_per_s')} | | | | 2 (all) | | | | "
                 f"guestd's hash | |")
    return head + "\n".join(lines) + "\n"


def verdict(ok, miss):
    return "met" if ok else "**missed**: " + miss


reads = rows["guest-informations"]
targets = [
    ("token-authenticated reads >= 50% of nginx at 64 connections",
     f"{figures['ratio.reads_to_nginx']:.2f} of nginx",
     verdict(figures["ratio.reads_to_nginx"] >= 0.5, f"{(0.5 - figures['ratio.reads_to_nginx']) * nginx:,.0f} requests/s short "
             f"({figures['ratio.reads_to_nginx'] / 0.5 * 100:.0f}% of the target)")),
    ("token-authenticated reads p99 < 5 ms", f"{reads['p99_ms']:.2f} ms",
     verdict(reads["p99_ms"] < 5, f"{reads['p99_ms'] - 5:.2f} ms over")),
    ("reservation reads >= 50% of nginx, p99 < 5 ms",
     f"{figures['ratio.reservations_to_nginx']:.2f} of nginx, p99 {rows['guest-reservations']['p99_ms']:.2f} ms",
     verdict(figures["ratio.reservations_to_nginx"] >= 0.5 and rows["guest-reservations"]["p99_ms"] < 5,
             f"{figures['ratio.reservations_to_nginx'] / 0.5 * 100:.0f}% of the rate target, p99 "
             f"{rows['guest-reservations']['p99_ms']:.2f} ms")),
    ("logins >= 90% of the argon2id floor", f"{figures['ratio.login_to_argon2id']:.2f} of the floor",
     verdict(figures["ratio.login_to_argon2id"] >= 0.9, f"{(0.9 - figures['ratio.login_to_argon2id']) * 100:.0f} points short")),
    ("the rest of a login < a tenth of its hash: logins >= 90% of guestd's own hash rate (memory kept)",
     f"{figures['ratio.login_to_argon2id_kept']:.2f} of it",
     verdict(figures["ratio.login_to_argon2id_kept"] >= 0.9,
             f"{(0.9 - figures['ratio.login_to_argon2id_kept']) * 100:.0f} points short")),
    ("login flood at 3x capacity: reads p99 within 2x unloaded",
     f"offered {figures['flood.offered_x_capacity']:.1f}x capacity; p99 {unloaded_p99:.2f} -> {loaded_p99:.2f} ms "
     f"({figures['flood.reads_p99_ratio']:.2f}x)",
     verdict(figures["flood.reads_p99_ratio"] <= 2, f"{figures['flood.reads_p99_ratio']:.2f}x, over 2x")),
    ("excess logins shed with 503 + Retry-After in < 1 ms",
     f"{probe['shed']} probed 503s, {probe['retry_after']} with Retry-After; p50 {probe['p50_ms']:.2f}, "
     f"p99 {probe['p99_ms']:.2f}, max {probe['max_ms']:.2f} ms",
     verdict(probe["shed"] > 0 and probe["retry_after"] == probe["shed"] and probe["p99_ms"] < 1,
             "no 503 seen" if probe["shed"] == 0 else f"p99 {probe['p99_ms']:.2f} ms")),
    ("nothing queues without bound", f"hashing queue at most {a.queue_max:.0f} of {a.hash_queue:.0f}; "
     f"{a.shed_total:.0f} requests shed in the run",
     verdict(a.queue_max <= a.hash_queue, "queue past its bound")),
    ("peak RSS < 100 MiB on the 1,000,000-guest dataset", f"{figures['rss.peak_mib']:.1f} MiB",
     verdict(figures["rss.peak_mib"] < 100, f"{figures['rss.peak_mib'] - 100:.1f} MiB over")),
    ("start-up to ready < 200 ms on the existing database",
     f"median {startup['median_ms']:.1f} ms (runs {', '.join(str(t) for t in startup['runs_ms'])})",
     verdict(startup["median_ms"] < 200, f"{startup['median_ms'] - 200:.0f} ms over")),
]

cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                     text=True).stdout.strip()
# Other work is what kept the machine busy before the run: the 1-minute load at the start (the load at the end
# counts the benchmark's own two busy cores, and the 5- and 15-minute ones the previous runs').
busiest = float(a.load.split()[0])
load_warning = "" if busiest < os.cpu_count() else (
    f" -- **other work kept more than {os.cpu_count()} cores busy, so absolute figures and latencies are not"
    " guestd's own; ratios measured close together (login to argon2id) are the least affected**")
small = "" if a.guests == 1_000_000 else f" **(a reduced dataset: {a.guests:,.0f} guests, not the target's)**"
report = f"""# guestd benchmark, {now.strftime('%Y-%m-%d %H:%M')} UTC

`bench/run.sh {a.duration:.0f}` at {a.commit}; {os.cpu_count()} cores ({cpu}), {platform.release()}; the machine is
shared, so compare ratios to the floors first: load average (1, 5, 15 min) at the start / at the end of the run:
{a.load}{load_warning}. Previous report: {previous_name or 'none'}.

Dataset{small}: one merchant with {a.guests:,.0f} guests and {2 * a.guests:,.0f} reservations, every other guest
with an account and a live session, plus 1,000 small merchants with 20 guests each; {a.db_mib:,.0f} MiB of SQLite
(generated in {a.generated_s:.0f} s, cached under build/bench-data/). guestd runs with its defaults (2 I/O threads,
4 workers, 2 hashing threads, hash queue 64) at warn-level logging; wrk -t2, {a.duration:.0f} s per scenario, random
guests. CPU is guestd's user+sys over the scenario, in cores and in µs per request (steadier than requests/s on a
shared machine); peak RSS is guestd's VmHWM over the scenario; disk reads are what guestd read from storage rather
than from the page cache (read_bytes in /proc/PID/io): a read that misses the page cache waits for the disk.

## Figures (each with the previous report's and the change)

{main_table()}
reads-paced: {a.paced_connections:.0f} connections each waiting {a.read_delay:.0f} ms between requests (about a
quarter of read capacity); reads-under-flood: the same while {a.flood_connections:.0f} connections offer logins
every {a.flood_delay:.0f} ms ({flood_offered:,.1f}/s offered, {figures['flood.offered_x_capacity']:.1f}x the
measured login capacity of {login_capacity:,.1f}/s; {flood['statuses'].get('200', 0)} served, {flood['statuses'].get('503', 0)} shed with 503).

healthz: guestd's HTTP stack without the store (parse, route, answer on the I/O thread): {cell('ratio.http_stack_to_nginx', 2)}
of nginx. A token-authenticated read costs {cell('reads.store_cpu_us_per_request')} µs of CPU more than it: its three
lookups (partner and hotel tokens, the guest's token, the profile) in one read transaction, and the JSON answer.

Start-up to ready: {cell('startup.median_ms')} ms median. Shed 503s: p99 {cell('flood.shed_p99_ms', 3)} ms.
Reads' p99 under the flood over unloaded: {cell('flood.reads_p99_ratio', 2)}x. Peak RSS over the run:
{cell('rss.peak_mib')} MiB.

## Targets (issue #6)

| target | measured | verdict |
|---|---|---|
""" + "\n".join(f"| {t} | {m} | {v} |" for t, m, v in targets) + "\n"

notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
if os.path.exists(notes):
    report += "\n" + open(notes).read().rstrip() + "\n"
report += f"\n<!-- bench-data {json.dumps(figures, sort_keys=True)} -->\n"

os.makedirs(a.out_dir, exist_ok=True)
with open(out_path, "w") as f:
    f.write(report)
print(report.split("<!-- bench-data")[0])
print(f"report: {out_path}")
