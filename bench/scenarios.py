"""Benchmark the scenario checker on a scaled truncate/isolate model with 4 threads.

Prints JSON: states, seconds, states/s (untraced run), and bytes per stored state (a separate
tracemalloc run: peak traced memory of the whole search / stored states).

    .venv/bin/python bench/scenarios.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.scenarios import check_scenario, parse_scenario  # noqa: E402
from kb.scenarios.explore import explore  # noqa: E402


def make_model(rounds: int) -> str:
    """Two truncaters (one page each, last iput frees the inode), two compaction isolaters."""
    isolate = """
	int mapping{k}, dirty{k}, locked{k};
	repeat ({rounds}) {{
	locked{k} = trylock_page({page});
	if (locked{k}) {{
		mapping{k} = READ_ONCE({page}->mapping);
		dirty{k} = 1;
		if (mapping{k}) dirty{k} = READ_ONCE(mapping{k}->migratepage);
		unlock_page({page});
	}}
	atomic_inc(&lru_scans);
	}}
	mapping{k} = READ_ONCE({other}->mapping);
	if (mapping{k}) dirty{k} = READ_ONCE(mapping{k}->migratepage);
"""
    truncate = """
	lock_page({page});
	spin_lock(&inode->tree_lock);
	WRITE_ONCE({page}->mapping, NULL);
	atomic_dec(&inode->nrpages);
	spin_unlock(&inode->tree_lock);
	put_page({page});
	unlock_page({page});
	atomic_inc(&lru_scans);
	iput(inode);
"""
    return f"""C bench-truncate-isolate-4

(*
 * Result: Sometimes
 * Scaled truncate vs __isolate_lru_page (4 threads) for bench/scenarios.py.
 *)

{{
	object inode refcount 2;
	inode.migratepage = 1;
	inode.nrpages = 2;
	object page0 refcount 2;
	object page1 refcount 2;
	ptr page0.mapping = &inode;
	ptr page1.mapping = &inode;
}}

P0(truncate_page0)
{{{truncate.format(page="page0")}}}

P1(truncate_page1)
{{{truncate.format(page="page1")}}}

P2(isolate_a)
{{{isolate.format(k="a", page="page0", other="page1", rounds=rounds)}}}

P3(isolate_b)
{{{isolate.format(k="b", page="page1", other="page0", rounds=rounds)}}}

exists (uaf)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="isolation rounds per isolater (scales the model)")
    args = parser.parse_args()
    scenario = parse_scenario(make_model(args.rounds), "bench-truncate-isolate-4.kscen")
    program = scenario.programs[0]
    best = None
    for _ in range(3):
        result = explore(program, max_states=50_000_000, timeout=600)
        if best is None or result.seconds < best.seconds:
            best = result
    tracemalloc.start()
    traced = explore(program, max_states=50_000_000, timeout=600)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    seeds = []
    root = Path(__file__).resolve().parent.parent / "data" / "scenarios"
    for path in sorted(root.glob("*.kscen")):
        started = time.perf_counter()
        check_scenario(parse_scenario(path.read_text(), path.name))
        seeds.append({"file": path.name, "ms": round((time.perf_counter() - started) * 1000, 2)})
    print(json.dumps({
        "model": "bench-truncate-isolate-4", "threads": 4, "rounds": args.rounds,
        "states": best.states, "transitions": best.transitions, "final_states": best.final_states,
        "seconds": round(best.seconds, 4), "states_per_second": round(best.states / best.seconds),
        "peak_bytes_traced": peak, "bytes_per_stored_state": round(peak / traced.states, 1),
        "verdict_counts": best.counts,
        "library_full_check_ms": seeds,
    }, indent=2))


if __name__ == "__main__":
    main()
