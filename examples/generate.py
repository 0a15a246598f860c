#!/usr/bin/env python3
"""Regenerates the example campaigns' data files. Deterministic: a fixed seed and addresses
derived from SHA-256 of a label, so running it again gives byte-identical files."""

import hashlib
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent


def addr(label: str) -> str:
    return "0x" + hashlib.sha256(label.encode()).hexdigest()[:40]


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def genesis() -> None:
    rng = random.Random(20261201)
    d = HERE / "genesis"
    holders = [addr(f"genesis/holder/{i}") for i in range(240)]
    rows = []
    for i, a in enumerate(holders):
        # Heavy-tailed balances: a few whales, many small holders, some below the 100 GEN minimum.
        bal = round(rng.paretovariate(1.1) * 150, 4)
        if i < 3:
            bal = round(bal * 5000, 4)
        og = "true" if rng.random() < 0.15 else "false"
        rows.append([a, f"{bal:.4f}".rstrip("0").rstrip("."), og])
    write(d / "holders.csv", ["address", "balance", "og"], rows)

    community = [addr(f"genesis/community/{i}") for i in range(110)] + holders[10:40]
    write(d / "community.csv", ["address", "joined"], [[a, f"2026-0{1 + i % 9}-1{i % 10}"] for i, a in enumerate(community)])

    bounty = []
    for i in range(70):
        a = addr(f"genesis/bounty/{i}") if i % 4 else holders[100 + i]
        pts = rng.choice([0, 5, 12, 25, 40, 60, 90, 150, 320])
        bounty.append([a, str(pts), rng.choice(["share", "refer", "bug-report", "translate"])])
    write(d / "bounty.csv", ["address", "points", "task"], bounty)

    # Two "exchanges" that show up among the holders, and one unrelated hot wallet.
    write(d / "exchanges.csv", ["address", "label"], [[holders[0], "exchange A hot wallet"], [holders[5], "exchange B"], [addr("genesis/exchange/c"), "exchange C"]])


def uniswap_retro() -> None:
    rng = random.Random(20200916)
    d = HERE / "uniswap-retro"
    users = [addr(f"retro/user/{i}") for i in range(300)]
    write(d / "users.csv", ["address", "swaps"], [[a, str(rng.randint(1, 400))] for a in users])
    socks = users[:12] + [addr(f"retro/socks/{i}") for i in range(8)]
    write(d / "socks.csv", ["address"], [[a] for a in socks])
    lps = users[200:260] + [addr(f"retro/lp/{i}") for i in range(90)]
    rows = []
    for a in lps:
        # liquidity-seconds, in millions, with six decimals.
        rows.append([a, f"{rng.lognormvariate(3, 2):.6f}"])
    write(d / "lps.csv", ["address", "liquidity_seconds"], rows)


if __name__ == "__main__":
    genesis()
    uniswap_retro()
