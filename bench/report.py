"""docs/performance.md from bench/results/*.json: the machine, each target with pass or miss, the
detail tables and where the time went. Everything from "## Analysis" on is written by people and kept."""

import json
from pathlib import Path
from typing import Any

from bench.harness import RESULTS, ROOT

DOC = ROOT / "docs" / "performance.md"
KEEP_FROM = "## Analysis"


def _load() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))}


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**pass**" if ok else "**MISS**")


def _ms(stats: dict[str, Any]) -> str:
    if not stats or not stats.get("count"):
        return "-"
    return f"{stats['p50']} / {stats['p95']} / {stats['p99']} / {stats['max']}"


def _targets(r: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    runs = {
        run["clients"]: run
        for run in r.get("fanout", {}).get("runs", [])
        if run.get("listener", "sansio") == "sansio"
    }
    if 1000 in runs:
        p99 = runs[1000]["participant_latency_ms"].get("p99")
        rows.append(
            ("Fan-out, one process, N=1,000", "p99 < 100 ms", f"p99 {p99} ms", p99 is not None and p99 < 100)
        )
    speed = r.get("fanout", {}).get("machine", {}).get("python_speed_ms", "-")
    for n in (1000, 2000):
        base = runs.get(n, {}).get("floor")
        if base:
            delivered = runs[n]["delivered_fraction"]
            for q, limit in (("p50", 1.3), ("p99", 1.5)):
                ours, theirs = runs[n]["participant_latency_ms"].get(q), base["participant_latency_ms"].get(q)
                ratio = round(ours / theirs, 2) if ours is not None and theirs else None
                rows.append(
                    (
                        f"Fan-out against the floor, N={n:,}",
                        f"{q} at most {limit} x the floor's, 100% delivered",
                        f"{q} {ours} ms, floor {theirs} ms: {ratio} x; {delivered:.1%} delivered"
                        f" (Python speed {speed} ms)",
                        ratio is not None and ratio <= limit and delivered == 1.0,
                    )
                )
    multi = r.get("multi", {})
    if multi.get("available"):
        p99 = multi["participant_latency_ms"].get("p99")
        rows.append(
            (
                "Fan-out, 2 instances + Redis + PostgreSQL, N=2,000",
                "p99 < 200 ms",
                f"p99 {p99} ms",
                p99 is not None and p99 < 200,
            )
        )
    elif multi:
        rows.append(("Fan-out, 2 instances", "p99 < 200 ms", multi.get("reason", "not run"), None))
    if 2000 in runs:
        kb = runs[2000]["rss_per_idle_client_kb"]
        rows.append(("Memory per idle participant (at 2,000)", "at most 40 KB", f"{kb} KB", kb <= 40))
    tp = r.get("throughput", {})
    for key, name, aim in (
        ("sqlite", "Write throughput, SQLite, one process, 200 phones + 2 boards listening", 400),
        ("postgresql", "Write throughput, PostgreSQL, one process (for comparison)", None),
        (
            "postgresql_2_processes",
            "Write throughput, PostgreSQL + Redis, two processes (`--workers 2`)",
            600,
        ),
    ):
        res = tp.get(key, {})
        if res.get("posts_per_second") is None:
            if res.get("reason"):
                rows.append((name, f">= {aim}/s" if aim else "-", res["reason"], None))
            continue
        rate, errors, delivered = res["posts_per_second"], res["errors"], res["fanout_delivered_fraction"]
        clean = errors == 0 and delivered >= 1.0
        rows.append(
            (
                name,
                f">= {aim}/s, no errors, 100% delivered" if aim else "no errors, 100% delivered",
                f"{rate}/s, {errors} errors, {delivered:.1%} delivered",
                (rate >= aim and clean) if aim else clean,
            )
        )
    page = r.get("page", {})
    if page:
        weight = page["page_weight"]
        ok = (
            weight["total_bytes"] < 40 * 1024
            and not weight["other_hosts"]
            and weight["reached_annotate_screen"]
        )
        rows.append(
            (
                "Participant page weight, join to annotate",
                "< 40 KB, one host",
                f"{weight['total_kb']} KB, {len(weight['other_hosts'])} other hosts",
                ok,
            )
        )
        first = page.get("first_contribution", {})
        if first.get("available"):
            rows.append(
                (
                    "Taps from the QR link to a first annotation",
                    "<= 5",
                    f"{first['taps']} taps, accepted: {first['accepted']}",
                    first["taps"] <= 5 and first["accepted"],
                )
            )
        else:
            rows.append(("Taps to a first annotation", "<= 5", first.get("reason", "not run"), None))
    ex = r.get("exports", {})
    if ex.get("available"):
        worst = max(f["median_s"] for f in ex["formats"].values())
        rows.append(
            (
                "Exports (5,000 annotations, 200 improvements, 2,000 votes)",
                "< 2 s each",
                f"slowest {worst} s",
                worst < 2,
            )
        )
    elif ex:
        rows.append(("Exports", "< 2 s each", ex.get("reason", "not run"), None))
    once = r.get("render_once", {})
    if once:
        rows.append(
            (
                "Render once per audience",
                "JSON: 1 render per message; HTML: at most 1 (a burst shares one); same bytes",
                str(once["renders_per_message"]),
                once["once_per_audience"],
            )
        )
    return rows


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _machine(r: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| benchmark | date | commit | load average (1/5/15 min) at the end | CPU time stolen by other guests | Python speed (ms, lower is faster) | CPU | nproc | memory | Python |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in r.items():
        m = result.get("machine", {})
        load = " / ".join(str(x) for x in m.get("load_average", []))
        lines.append(
            f"| {name} | {m.get('date')} | {m.get('commit')} | {load} (before/after: {result.get('load_average_before_after')}) | {_share(result.get('cpu_steal_share'))} | {m.get('python_speed_ms', '-')} | {m.get('cpu')} | {m.get('nproc')} | {m.get('memory_gb')} GB | {m.get('python')} |"
        )
    return lines


def _detail(r: dict[str, dict[str, Any]]) -> list[str]:
    out: list[str] = []
    runs = r.get("fanout", {}).get("runs", [])
    multi = r.get("multi", {})
    if runs or multi.get("available"):
        out += [
            "### Fan-out (posts at 10/s; time from the POST's start to each client's receipt)",
            "",
            "| instances | participants | listener | participant ms p50 / p95 / p99 / max | board ms p50 / p95 / p99 / max | POST ms p50 / p99 | delivered | disconnected | server CPU ms per annotation | client CPU ms per annotation (listener processes) | RSS per idle connection | load before/after |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        floors = [{**run["floor"], "listener": "floor (bench/floor.py)"} for run in runs if run.get("floor")]
        for run in [*runs, *floors, *([multi] if multi.get("available") else [])]:
            post = run["post_response_ms"]
            out.append(
                f"| {run['instances']} | {run['clients']} | {run.get('listener', 'asyncio')} | {_ms(run['participant_latency_ms'])} | {_ms(run['board_latency_ms'])} | {post.get('p50')} / {post.get('p99')} | {run['delivered_fraction']:.1%} | {run['disconnected_clients']} | {run['server_cpu_ms_per_annotation']} | {run.get('client_cpu_ms_per_annotation', '-')} ({run.get('client_processes', 1)}) | {run['rss_per_idle_client_kb']} KB | {run.get('load_average_before_after')} |"
            )
        out.append("")
    tp = r.get("throughput", {})
    if tp:
        out += [
            "### Write throughput (16 writers as fast as they can, 200 participants and 2 boards listening)",
            "",
            "| database | processes | posts/s | POST ms p50 / p95 / p99 / max | errors | fan-out delivered | server CPU ms per post | cores busy: server / client | load before/after |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for db, res in tp.items():
            if isinstance(res, dict) and "posts_per_second" in res:
                out.append(
                    f"| {db.split('_')[0]} | {res.get('processes', 1)} | {res['posts_per_second']} | {_ms(res['post_response_ms'])} | {res['errors']} | {res['fanout_delivered_fraction']:.1%} | {res['server_cpu_ms_per_post']} | {res.get('server_cores_busy', '-')} / {res.get('client_cores_busy', '-')} | {res.get('load_average_before_after')} |"
                )
            elif isinstance(res, dict) and res.get("reason"):
                out.append(f"| {db} | not run: {res['reason']} | | | | | | | |")
        out.append("")
    page = r.get("page", {})
    if page:
        out += [
            "### Participant page weight (bytes on the wire, headers included)",
            "",
            "| request | status | bytes | encoding | Cache-Control |",
            "|---|---|---|---|---|",
        ]
        for step in page["page_weight"]["steps"]:
            out.append(
                f"| {step['request']} | {step['status']} | {step['bytes']} | {step['encoding']} | {step['cache_control']} |"
            )
        busy = page["page_weight_busy_room"]
        first = page.get("first_contribution", {})
        out += [
            "",
            f"Total {page['page_weight']['total_kb']} KB in {page['page_weight']['requests']} requests (empty room); "
            f"{busy['total_kb']} KB once the room holds {page['busy_room_annotations']} annotations. "
            + (
                f"Chromium measured {first['browser_kb_to_annotate_screen']} KB and contacted only {first['hosts']}."
                if first.get("available")
                else ""
            ),
            "",
        ]
        if first.get("available"):
            out += [
                "Taps, from the loaded join page: "
                + "; ".join(f"{i + 1}. {s}" for i, s in enumerate(first["tap_steps"]))
                + ".",
                "",
            ]
    ex = r.get("exports", {})
    if ex.get("available"):
        out += ["### Exports", "", "| format | bytes | median s | max s |", "|---|---|---|---|"]
        for fmt, res in ex["formats"].items():
            out.append(f"| {fmt} | {res['bytes']} | {res['median_s']} | {res['max_s']} |")
        out.append("")
    profiles = [
        (f"fan-out N={run['clients']} ({run.get('listener', 'asyncio')} listener)", run.get("profile"))
        for run in runs
    ]
    profiles += [(f"throughput {db}", res.get("profile")) for db, res in tp.items() if isinstance(res, dict)]
    profiles = [(name, p) for name, p in profiles if p and p.get("available")]
    if profiles:
        out += ["### Where the server's time goes (py-spy, busy samples, own time)", ""]
        for name, p in profiles:
            out += [f"<details><summary>{name}</summary>", "", "```", *p["own"][:10], "```", "</details>", ""]
    return out


def write() -> Path:
    r = _load()
    kept = ""
    if DOC.exists() and KEEP_FROM in DOC.read_text():
        kept = DOC.read_text()[DOC.read_text().index(KEEP_FROM) :]
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (bench/, results in bench/results/) against real `lenswalk serve` processes on",
        "loopback, with `websockets` and `httpx` clients (the fan-out's listeners in a process of their own; see",
        "bench/fanout.py for its two kinds of listener).",
        'This file down to "Analysis" is',
        "generated by `bench/report.py`; do not edit it by hand.",
        "",
        "## Targets",
        "",
        "| target | goal | measured | verdict |",
        "|---|---|---|---|",
        *[f"| {name} | {goal} | {measured} | {_verdict(ok)} |" for name, goal, measured, ok in _targets(r)],
        "",
        "## Machine and load",
        "",
        *_machine(r),
        "",
        "## Detail",
        "",
        *_detail(r),
    ]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(lines) + "\n" + (kept or f"{KEEP_FROM}\n\n(To be written after a run.)\n"))
    return DOC
