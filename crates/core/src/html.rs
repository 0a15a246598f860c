//! `report.html`: one self-contained page — inline CSS and SVG, no scripts, no network — that a
//! reviewer can open from the bundle or attach to a governance post.

use crate::bundle::Report;
use crate::charts;
use crate::units::format_units;
use airdrop_merkle::U256;
use std::fmt::Write;

/// The Lorenz chart's width limit inside report.html (a self-contained page may use inline style).
const LORENZ_WIDTH: &str = " style=\"max-width:320px\"";

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn tokens(base: &str, decimals: u8) -> String {
    let v = U256::from_str_radix(base, 10).unwrap_or_default();
    group(&format_units(v, decimals))
}

/// Thousands separators on the integer part, for reading, not parsing.
fn group(s: &str) -> String {
    let (int, frac) = s
        .split_once('.')
        .map(|(i, f)| (i, Some(f)))
        .unwrap_or((s, None));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        let f: String = f.chars().take(6).collect();
        out.push('.');
        out.push_str(&f);
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn ratio(part: &str, whole: &str) -> f64 {
    let p = U256::from_str_radix(part, 10).unwrap_or_default();
    let w = U256::from_str_radix(whole, 10).unwrap_or_default();
    if w.is_zero() {
        0.0
    } else {
        crate::units::to_f64(p) / crate::units::to_f64(w)
    }
}

const STYLE: &str = "body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:960px;padding:0 1rem;color:#1b1f24;background:#fff}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}\
.sub{color:#57606a}code{font:13px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6rem}\
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .8rem}.card b{display:block;font-size:1.3rem;overflow-wrap:anywhere}.card span{color:#57606a;font-size:.85rem}\
.bar{background:#0969da;height:.6rem;border-radius:2px}svg text{font:11px system-ui,sans-serif;fill:#57606a}\
.charts{display:grid;grid-template-columns:1fr 1fr;gap:1rem}@media(max-width:720px){.charts{grid-template-columns:1fr}}";

/// Renders the report page.
pub fn report_html(r: &Report) -> String {
    let d = r.token.decimals;
    let sym = esc(&r.token.symbol);
    let f = &r.distribution.fairness;
    let mut s = String::with_capacity(32 * 1024);
    let _ = write!(
        s,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{name} — airdrop report</title><style>{STYLE}</style></head><body>\
<h1>{name}</h1><p class=\"sub\">{total} {sym} to {n} recipients on chain {chain} · token <code>{token}</code></p>\
<p>Merkle root <code>{root}</code></p>",
        name = esc(&r.campaign),
        total = tokens(&r.total, d),
        n = r.recipients,
        chain = r.chain_id,
        token = esc(&r.token.address),
        root = esc(&r.root),
    );
    let _ = write!(s, "<h2>Fairness</h2><div class=\"cards\">");
    let cards = [
        (format!("{:.3}", f.gini), "Gini coefficient (0 = equal)"),
        (
            f.nakamoto.to_string(),
            "Nakamoto coefficient: recipients holding over 50%",
        ),
        (pct(f.top10_share), "held by the top 10"),
        (pct(f.top1pct_share), "held by the top 1%"),
        (format!("{:.4}", f.hhi), "HHI (sum of squared shares)"),
        (tokens(&f.median, d), &*format!("median {sym}")),
    ];
    for (v, label) in cards.iter() {
        let _ = write!(
            s,
            "<div class=\"card\"><b>{}</b><span>{}</span></div>",
            esc(v),
            label
        );
    }
    let _ = write!(
        s,
        "</div><p class=\"sub\">Over {} recipients, dust excluded. Smallest {} {sym}, largest {} {sym}.</p>",
        f.recipients,
        tokens(&f.min, d),
        tokens(&f.max, d)
    );
    let _ = write!(s, "<div class=\"charts\"><div><h2>Amounts</h2>{}</div><div><h2>Lorenz curve</h2>{}</div></div>", charts::histogram_svg(&r.distribution, &r.token.symbol), charts::lorenz_svg(&r.distribution, LORENZ_WIDTH));

    let _ = write!(s, "<h2>Pools</h2><table><tr><th>pool</th><th>rule</th><th class=\"n\">share</th><th class=\"n\">paid ({sym})</th><th class=\"n\">recipients</th><th></th></tr>");
    for p in &r.pools {
        let frac = ratio(&p.paid, &r.total);
        let statuses: Vec<String> = p
            .statuses
            .iter()
            .filter(|(k, _)| k.as_str() != "paid")
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        let _ = write!(
            s,
            "<tr><td><b>{}</b><br><span class=\"sub\">{} ({}, {} rows)</span></td><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td style=\"width:120px\"><div class=\"bar\" style=\"width:{:.1}%\"></div></td></tr>",
            esc(&p.name),
            esc(&p.source),
            esc(&p.source_kind),
            p.rows,
            esc(&p.description),
            if statuses.is_empty() { String::new() } else { format!("<br><span class=\"sub\">{}</span>", esc(&statuses.join(", "))) },
            esc(&p.share),
            tokens(&p.paid, d),
            p.recipients,
            frac * 100.0
        );
    }
    s.push_str("</table>");
    if !r.dust.is_empty() {
        let _ = write!(
            s,
            "<h2>Dust</h2><p>{} {sym} left by design went to <code>{}</code>:</p><table>",
            tokens(&r.dust_total, d),
            esc(r.dust_to.as_deref().unwrap_or("-"))
        );
        for item in &r.dust {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{} {sym}</td></tr>",
                esc(item.pool.as_deref().unwrap_or("global cap")),
                esc(&item.reason),
                tokens(&item.amount, d)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("<h2>Exclusions</h2>");
    if r.exclusions.is_empty() {
        s.push_str("<p class=\"sub\">No exclusion lists.</p>");
    } else {
        s.push_str("<table><tr><th>list</th><th>reason</th><th class=\"n\">addresses</th><th class=\"n\">found in sources</th></tr>");
        for e in &r.exclusions {
            let _ = write!(
                s,
                "<tr><td><b>{}</b></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&e.name),
                esc(&e.reason),
                e.count,
                e.in_sources
            );
        }
        s.push_str("</table><table><tr><th>excluded address</th><th>list</th><th>would have qualified in</th></tr>");
        for e in &r.exclusions {
            for h in &e.hits {
                let _ = write!(
                    s,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    esc(&h.address),
                    esc(&e.name),
                    esc(&h.sources.join(", "))
                );
            }
        }
        s.push_str("</table>");
    }
    if let Some(sy) = &r.sybil {
        sybil_section(&mut s, sy, d, &sym);
    }
    let _ = writeln!(
        s,
        "<p class=\"sub\" style=\"margin-top:2rem\">Budget {} {sym}, allocated {} {sym}: amounts are exact integers in base units ({} decimals). Generated by airdrop; see manifest.json for input and output hashes.</p></body></html>",
        tokens(&r.budget, d),
        tokens(&r.total, d),
        d
    );
    s
}

/// The sybil clusters the build acted on, with what they would have received.
fn sybil_section(s: &mut String, sy: &crate::sybil::SybilReport, d: u8, sym: &str) {
    let _ = write!(
        s,
        "<h2>Sybil clusters</h2><p class=\"sub\">Policy {}; detectors {}; min cluster size {}; {} addresses excluded, withholding {} {sym}; {} cleared on appeal. Transfer graph: {} addresses, {} edges, {} hubs removed.</p>",
        esc(&sy.policy),
        esc(&sy.detectors.join(", ")),
        sy.min_cluster_size,
        sy.excluded,
        tokens(&sy.withheld, d),
        sy.cleared.len(),
        sy.nodes,
        sy.edges,
        sy.hubs
    );
    s.push_str("<table><tr><th>cluster</th><th class=\"n\">size</th><th>signals</th><th class=\"n\">listed members</th><th class=\"n\">would have received</th><th>kept</th><th>first evidence</th></tr>");
    for c in &sy.clusters {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{} {sym}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            c.id,
            c.size,
            esc(&c.signals.join(", ")),
            c.members.len(),
            tokens(&c.would_have_received, d),
            esc(c.kept.as_deref().unwrap_or("-")),
            esc(&c.evidence.first().map(|e| e.line()).unwrap_or_default())
        );
    }
    s.push_str("</table>");
    if !sy.cleared.is_empty() {
        s.push_str("<table><tr><th>cleared on appeal</th><th>reason</th><th>cluster</th></tr>");
        for c in &sy.cleared {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&c.address),
                esc(&c.reason),
                c.cluster.map(|x| x.to_string()).unwrap_or_default()
            );
        }
        s.push_str("</table>");
    }
}
