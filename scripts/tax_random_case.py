"""Writes a random but valid tax case (events, prices, disposals) for scripts/tax-crosscheck.

Usage: tax_random_case.py DIR SEED

Two tokens (18 and 6 decimals), receipts over 2024-2025 at unique times, sales that never
exceed what is held, prices with up to 4 decimals. Holding periods near one year (360 to 370
days) are avoided: rp2 counts 365 days as long-term, where the IRS asks for more than one year
(docs/tax.md), and the cross-check compares like with like.
"""

import random
import sys
from datetime import datetime, timedelta, timezone

out, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
start = datetime(2024, 1, 1, tzinfo=timezone.utc)
tokens = {"AIR": 18, "USDX": 6}
events, disposals, prices = [], [], {}
used = set()


def when():
    while True:
        t = start + timedelta(seconds=rng.randrange(0, 730 * 86400))
        if t not in used:
            used.add(t)
            return t


def price(day, token):
    return prices.setdefault((day, token), f"{rng.randrange(1, 50000) / 10000:.4f}")


for token, dec in tokens.items():
    for _ in range(rng.randrange(5, 12)):
        t = when()
        units = rng.randrange(1, 10**4) * 10 ** (dec - 2)
        events.append((t, token, units, dec, rng.choice(["claim", "push", "vested", "transfer-in", "buy"])))
        price(t.date().isoformat(), token)
    receipts = sorted(e for e in events if e[1] == token)
    for _ in range(rng.randrange(3, 8)):
        t = when()
        held = [r for r in receipts if r[0] <= t]
        if not held:
            continue
        # Never near a one-year holding period of any lot held.
        if any(360 <= (t - r[0]).days <= 370 for r in held):
            continue
        total = sum(r[2] for r in held) - sum(d[2] for d in disposals if d[1] == token and d[0] <= t)
        later = [d for d in disposals if d[1] == token and d[0] > t]
        total -= sum(d[2] for d in later)
        if total <= 0:
            continue
        amount = rng.randrange(1, total + 1)
        proceeds = "" if rng.random() < 0.3 else f"{rng.randrange(1, 10**6) / 100:.2f}"
        if not proceeds:
            price(t.date().isoformat(), token)
        disposals.append((t, token, amount, proceeds))

fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
with open(f"{out}/events.csv", "w") as f:
    f.write("time,token,amount,decimals,kind,campaign,bounty\n")
    for t, token, units, dec, kind in sorted(events):
        f.write(f"{fmt(t)},{token},{units},{dec},{kind},random,false\n")
with open(f"{out}/prices.csv", "w") as f:
    f.write("date,token,price\n")
    for (day, token), p in sorted(prices.items()):
        f.write(f"{day},{token},{p}\n")
with open(f"{out}/disposals.csv", "w") as f:
    f.write("time,token,amount,proceeds\n")
    for t, token, amount, proceeds in sorted(disposals):
        f.write(f"{fmt(t)},{token},{amount},{proceeds}\n")
