//! The distribution charts as inline SVG: the histogram of amounts and the Lorenz curve. Drawn
//! once here for both report.html and the creator dashboard, so the two never disagree.

use crate::html::esc;
use crate::metrics::Distribution;
use std::fmt::Write;

/// The histogram of amounts (1–2–5 log buckets) as an SVG, in the token's `symbol`.
pub fn histogram_svg(d: &Distribution, symbol: &str) -> String {
    let buckets = &d.histogram;
    let (w, h, left, bottom) = (440.0, 240.0, 44.0, 40.0);
    let mut s = format!("<svg viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"histogram of amounts\" xmlns=\"http://www.w3.org/2000/svg\">");
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let n = buckets.len().max(1) as f64;
    let plot_w = w - left - 8.0;
    let plot_h = h - bottom - 10.0;
    let bw = plot_w / n;
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#8c959f\"/>",
        h - bottom,
        w - 8.0,
        h - bottom
    );
    let _ = write!(
        s,
        "<text x=\"4\" y=\"14\">{max}</text><text x=\"4\" y=\"{}\">0</text>",
        h - bottom
    );
    for (i, b) in buckets.iter().enumerate() {
        let bh = plot_h * b.count as f64 / max as f64;
        let x = left + bw * i as f64;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#0969da\"><title>{} – {} {}: {} recipients</title></rect>",
            x + 1.0,
            h - bottom - bh,
            (bw - 2.0).max(1.0),
            bh,
            esc(&b.from),
            esc(&b.to),
            esc(symbol),
            b.count
        );
        // Label decades only (1, 10, 100 …): the 2 and 5 steps in between would crowd the axis.
        if b.from.trim_start_matches(['0', '.']).starts_with('1') {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x,
                h - bottom + 14.0,
                esc(&short(&b.from))
            );
        }
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">amount ({}, log scale)</text></svg>",
        left + plot_w / 2.0,
        h - 6.0,
        esc(symbol)
    );
    s
}

/// 1000000 → 1M, for axis labels.
fn short(s: &str) -> String {
    let int = s.split('.').next().unwrap_or(s);
    let zeros = int.len() - int.trim_end_matches('0').len();
    match (int.trim_end_matches('0'), zeros) {
        ("1", z) if z >= 9 => format!("1e{z}"),
        ("1", z) if z >= 6 => format!("{}M", "1".to_owned() + &"0".repeat(z - 6)),
        ("1", z) if z >= 3 => format!("{}k", "1".to_owned() + &"0".repeat(z - 3)),
        _ => s.to_owned(),
    }
}

/// The Lorenz curve as an SVG. `attrs` is inserted into the `<svg>` tag as is (report.html
/// limits the width inline; a page under a strict CSP passes `""` and sizes it by class).
pub fn lorenz_svg(d: &Distribution, attrs: &str) -> String {
    let (size, pad) = (240.0, 30.0);
    let span = size - 2.0 * pad;
    let pt = |x: f64, y: f64| format!("{:.1},{:.1}", pad + x * span, size - pad - y * span);
    let points: Vec<String> = d.lorenz.iter().map(|p| pt(p[0], p[1])).collect();
    format!(
        "<svg viewBox=\"0 0 {size} {size}\" width=\"100%\"{attrs} role=\"img\" aria-label=\"Lorenz curve\" xmlns=\"http://www.w3.org/2000/svg\">\
<rect x=\"{pad}\" y=\"{pad}\" width=\"{span}\" height=\"{span}\" fill=\"none\" stroke=\"#d0d7de\"/>\
<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{pad}\" stroke=\"#8c959f\" stroke-dasharray=\"4 3\"/>\
<polyline points=\"{}\" fill=\"none\" stroke=\"#cf222e\" stroke-width=\"2\"/>\
<text x=\"{pad}\" y=\"{}\">0</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">100% of recipients</text>\
<text x=\"4\" y=\"{}\">100%</text><text x=\"{}\" y=\"16\" text-anchor=\"middle\">share of tokens (dashed: equality)</text></svg>",
        size - pad,
        size - pad,
        points.join(" "),
        size - pad + 14.0,
        size - pad,
        size - pad + 14.0,
        pad + 4.0,
        size / 2.0
    )
}
