"""Cross-checks `airdrop tax` (US rules) against rp2, an independent open-source tax engine.

Usage: tax_crosscheck.py EVENTS PRICES DISPOSALS YEAR METHOD TAX_JSON

Feeds the same receipts and disposals to rp2's US engine (through its Python API, so no
spreadsheet is needed), then compares, for the tax year: every gain line (date acquired, date
sold, amount, proceeds, cost basis, term) and the income of every receipt, to 10^-12. Exits 1
on any difference.

With HIFO, receipts go to rp2 as buys at market value (the same cost basis): rp2 1.7.2's HIFO
skips a partly used lot after an income ("earn") event (eprbell/rp2#156), which would compare
against its defect. Income lines are compared under FIFO and LIFO, where no method is involved.
"""

import csv
import json
import sys
import tempfile
from datetime import datetime, timezone
from decimal import Decimal

from rp2.accounting_engine import AccountingEngine
from rp2.configuration import Configuration
from rp2.in_transaction import InTransaction
from rp2.input_data import InputData
from rp2.out_transaction import OutTransaction
from rp2.plugin.country.us import US
from rp2.rp2_decimal import RP2Decimal
from rp2.tax_engine import compute_tax
from rp2.transaction_set import TransactionSet
from prezzemolo.avl_tree import AVLTree
import importlib

KINDS = {"claim": "AIRDROP", "push": "AIRDROP", "vested": "AIRDROP", "transfer-in": "AIRDROP", "buy": "BUY"}


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if not r[next(iter(r))].startswith("#")]


def whole(base_units, decimals):
    return Decimal(base_units).scaleb(-int(decimals))


def config(assets):
    ini = (
        "[general]\n"
        f"assets = {', '.join(sorted(assets))}\n"
        "exchanges = wallet\nholders = me\n\n"
        "[in_header]\ntimestamp = 0\nasset = 1\nexchange = 2\nholder = 3\ntransaction_type = 4\n"
        "spot_price = 5\ncrypto_in = 6\n\n"
        "[out_header]\ntimestamp = 0\nasset = 1\nexchange = 2\nholder = 3\ntransaction_type = 4\n"
        "spot_price = 5\ncrypto_out_no_fee = 6\ncrypto_fee = 7\n\n"
        "[intra_header]\ntimestamp = 0\nasset = 1\nfrom_exchange = 2\nfrom_holder = 3\n"
        "to_exchange = 4\nto_holder = 5\nspot_price = 6\ncrypto_sent = 7\ncrypto_received = 8\n"
    )
    f = tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False)
    f.write(ini)
    f.close()
    return Configuration(f.name, US())


def iso(t):
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).isoformat()


def main():
    events_path, prices_path, disposals_path, year, method, tax_json = sys.argv[1:7]
    year = int(year)
    events = rows(events_path)
    prices = {(r["date"], r["token"]): Decimal(r["price"]) for r in rows(prices_path)}
    disposals = rows(disposals_path)
    decimals = {e["token"]: e["decimals"] for e in events}
    assets = set(decimals)
    cfg = config(assets)
    methods = AVLTree()
    methods.insert_node(1, importlib.import_module(f"rp2.plugin.accounting_method.{method}").AccountingMethod())
    engine = AccountingEngine(years_2_methods=methods)

    lines, income = [], []
    for asset in sorted(assets):
        ins = TransactionSet(cfg, "IN", asset)
        outs = TransactionSet(cfg, "OUT", asset)
        intra = TransactionSet(cfg, "INTRA", asset)
        row = 2
        for e in (e for e in events if e["token"] == asset):
            amount = whole(e["amount"], e["decimals"])
            price = prices[(e["time"][:10], asset)]
            kind = "BUY" if method == "hifo" else KINDS[e["kind"]]
            ins.add_entry(InTransaction(cfg, iso(e["time"]), asset, "wallet", "me", kind,
                                        RP2Decimal(price), RP2Decimal(amount), crypto_fee=RP2Decimal(0),
                                        fiat_in_no_fee=RP2Decimal(amount * price),
                                        fiat_in_with_fee=RP2Decimal(amount * price), row=row))
            row += 1
        for d in (d for d in disposals if d["token"] == asset):
            amount = whole(d["amount"], decimals[asset])
            proceeds = Decimal(d["proceeds"]) if d["proceeds"] else amount * prices[(d["time"][:10], asset)]
            outs.add_entry(OutTransaction(cfg, iso(d["time"]), asset, "wallet", "me", "SELL",
                                          RP2Decimal(proceeds / amount), RP2Decimal(amount), RP2Decimal(0),
                                          fiat_out_no_fee=RP2Decimal(proceeds), row=row))
            row += 1
        try:
            computed = compute_tax(cfg, engine, InputData(asset, ins, outs, intra))
        except Exception as e:  # pylint: disable=broad-except
            sys.exit(f"{method}: rp2 refused {asset}: {e}")
        for gl in computed.gain_loss_set:
            ev = gl.taxable_event
            if ev.timestamp.year != year:
                continue
            if gl.acquired_lot is None:
                income.append((ev.timestamp.date().isoformat(), asset, Decimal(gl.crypto_amount),
                               Decimal(gl.taxable_event_fiat_amount_with_fee_fraction)))
                continue
            lines.append((gl.acquired_lot.timestamp.date().isoformat(), ev.timestamp.date().isoformat(), asset,
                          Decimal(gl.crypto_amount), Decimal(gl.taxable_event_fiat_amount_with_fee_fraction),
                          Decimal(gl.fiat_cost_basis), "long" if gl.is_long_term_capital_gains() else "short"))

    with open(tax_json, encoding="utf-8") as f:
        ours = json.load(f)
    our_lines = [(g["date_acquired"], g["date_sold"], g["token"], whole(g["amount"], decimals[g["token"]]),
                  Decimal(g["proceeds_exact"]), Decimal(g["cost_basis_exact"]), g["term"]) for g in ours["gains"]]
    our_income = [(i["date"], i["token"], whole(i["amount"], i["decimals"]), Decimal(i["income_exact"]))
                  for i in ours["income"]]
    # rp2 computes with 28 significant digits, airdrop exactly: fiat values are compared to
    # 10^-12 of the currency (far below a cent), token amounts (18 decimals at most) exactly.
    fine = Decimal("1e-12")
    def norm(xs, fiat):
        return sorted(
            tuple(x.quantize(fine).normalize() if i in fiat else x.normalize() if isinstance(x, Decimal) else x
                  for i, x in enumerate(t))
            for t in xs
        )
    ok = True
    checks = [("gain lines", our_lines, lines, (4, 5))]
    if method != "hifo":
        checks.append(("income", our_income, income, (3,)))
    for what, a, b, fiat in checks:
        if norm(a, fiat) != norm(b, fiat):
            ok = False
            print(f"{method}: {what} differ\n  airdrop: {norm(a, fiat)}\n  rp2:     {norm(b, fiat)}")
        else:
            print(f"{method}: {len(a)} {what} agree with rp2")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
