//! Server-rendered SVG charts: no script, a few hundred bytes, readable on a phone and
//! printable. Amounts are minor units; the chart scales them with integer arithmetic.

use crate::shell::Tr;
use chrono::NaiveDate;
use std::fmt::Write;

const W: i64 = 320;
const H: i64 = 140;
const PAD: i64 = 24;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A step line of `points` (date, value) in order, with the first and last dates and the
/// highest and lowest values labelled. Empty when there are no points.
pub fn line_chart(points: &[(NaiveDate, i128)], title: &str, t: Tr) -> String {
    let Some(&(first_date, _)) = points.first() else {
        return String::new();
    };
    let last_date = points.last().map(|p| p.0).unwrap_or(first_date);
    let lo = points.iter().map(|p| p.1).min().unwrap_or(0).min(0);
    let hi = points.iter().map(|p| p.1).max().unwrap_or(0).max(lo + 1);
    let span_days = (last_date - first_date).num_days().max(1) as i128;
    let x = |d: NaiveDate| {
        PAD as i128 + (d - first_date).num_days() as i128 * (W - 2 * PAD) as i128 / span_days
    };
    let y = |v: i128| (H - PAD) as i128 - (v - lo) * (H - 2 * PAD) as i128 / (hi - lo);
    let mut path = String::new();
    let mut prev_y = y(0);
    for (i, &(d, v)) in points.iter().enumerate() {
        let (px, py) = (x(d), y(v));
        if i == 0 {
            let _ = write!(path, "M{px},{py}");
        } else {
            let _ = write!(path, " L{px},{prev_y} L{px},{py}");
        }
        prev_y = py;
    }
    let title = esc(title);
    format!(
        concat!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg">"#,
            r#"<title>{title}</title>"#,
            r#"<line x1="{pad}" y1="{zero}" x2="{right}" y2="{zero}" class="axis"/>"#,
            r#"<path d="{path}" class="series"/>"#,
            r#"<text x="{pad}" y="{h}" class="lbl">{d0}</text>"#,
            r#"<text x="{right}" y="{h}" class="lbl" text-anchor="end">{d1}</text>"#,
            r#"<text x="2" y="{pad}" class="lbl halo">{hi}</text>"#,
            r#"</svg>"#
        ),
        w = W,
        h = H - 4,
        pad = PAD,
        right = W - PAD,
        zero = y(0),
        path = path,
        title = title,
        d0 = esc(&t.date(&first_date)),
        d1 = esc(&t.date(&last_date)),
        hi = esc(&t.money(hi)),
    )
}

/// Income against the baseline (issue 5, R-PLAN-2): one bar per period (`label`, revenue) and
/// the business plan's baseline as a dashed line, bars above it in the series colour and below
/// it greyed. Empty when there are no periods.
pub fn bars_with_baseline(bars: &[(String, i128)], baseline: i128, title: &str, t: Tr) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let hi = bars
        .iter()
        .map(|b| b.1)
        .chain([baseline])
        .max()
        .unwrap_or(0)
        .max(1);
    let n = bars.len() as i64;
    let inner = W - 2 * PAD;
    let slot = inner / n;
    let bar_w = (slot * 3 / 4).max(1);
    let y = |v: i128| (H - PAD) as i128 - v.max(0) * (H - 2 * PAD) as i128 / hi;
    let mut body = String::new();
    for (i, (label, v)) in bars.iter().enumerate() {
        let x = PAD + i as i64 * slot + (slot - bar_w) / 2;
        let top = y(*v);
        let class = if *v > baseline { "bar" } else { "bar low" };
        let _ = write!(
            body,
            r#"<rect x="{x}" y="{top}" width="{bar_w}" height="{h}" class="{class}"><title>{l} {m}</title></rect>"#,
            h = (H - PAD) as i128 - top,
            l = esc(label),
            m = esc(&t.money(*v)),
        );
    }
    let first = &bars[0].0;
    let last = &bars[bars.len() - 1].0;
    format!(
        concat!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg">"#,
            r#"<title>{title}</title>"#,
            r#"<line x1="{pad}" y1="{base}" x2="{right}" y2="{base}" class="axis"/>"#,
            r#"{body}"#,
            r#"<line x1="{pad}" y1="{by}" x2="{right}" y2="{by}" class="baseline"/>"#,
            r#"<text x="{right}" y="{bly}" class="lbl halo" text-anchor="end">{bl}</text>"#,
            r#"<text x="{pad}" y="{h}" class="lbl">{d0}</text>"#,
            r#"<text x="{right}" y="{h}" class="lbl" text-anchor="end">{d1}</text>"#,
            r#"<text x="2" y="{padt}" class="lbl">{hi}</text>"#,
            r#"</svg>"#
        ),
        w = W,
        h = H - 4,
        pad = PAD,
        padt = PAD - 6,
        right = W - PAD,
        base = H - PAD,
        by = y(baseline),
        bly = y(baseline) - 3,
        bl = esc(&t.money(baseline)),
        body = body,
        title = esc(title),
        d0 = esc(first),
        d1 = esc(last),
        hi = esc(&t.money(hi)),
    )
}

/// Horizontal bars with their labels and amounts (the Fund by sub-fund). Negative amounts
/// draw as empty bars. Empty when there are no items.
pub fn hbars(items: &[(&str, i128)], title: &str, t: Tr) -> String {
    if items.is_empty() {
        return String::new();
    }
    let hi = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let row = 34i64;
    let h = row * items.len() as i64 + 8;
    let inner = (W - 2 * 8) as i128;
    let mut body = String::new();
    for (i, (label, v)) in items.iter().enumerate() {
        let top = 4 + i as i64 * row;
        let len = (*v).max(0) * inner / hi;
        let _ = write!(
            body,
            concat!(
                r#"<text x="8" y="{ty}" class="lbl">{l} · {m}</text>"#,
                r#"<rect x="8" y="{ry}" width="{len}" height="14" class="bar"/>"#
            ),
            ty = top + 10,
            ry = top + 14,
            len = len,
            l = esc(label),
            m = esc(&t.money(*v)),
        );
    }
    format!(
        concat!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg">"#,
            r#"<title>{title}</title>{body}</svg>"#
        ),
        w = W,
        h = h,
        title = esc(title),
        body = body,
    )
}

/// The limit history as an SVG step chart, carried on to `today` (the Fund page draws the
/// same).
pub(crate) fn limit_chart(t: Tr, line: &credit::line::CreditLine, today: NaiveDate) -> String {
    let mut points: Vec<(NaiveDate, i128)> = line
        .limit_history
        .iter()
        .map(|c| (c.date, c.to_minor as i128))
        .collect();
    if let Some(&(last_date, last)) = points.last() {
        if last_date < today {
            points.push((today, last));
        }
    }
    line_chart(&points, t.get("chart.credit_limit"), t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_small_svg_with_its_dates_and_top_value() {
        let d = |m| NaiveDate::from_ymd_opt(2025, m, 1).unwrap();
        let svg = line_chart(
            &[(d(1), 10_000), (d(2), 20_000), (d(3), 5_000)],
            "Saldo <cuotas>",
            Tr::default(),
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("1 ene 2025") && svg.contains("1 mar 2025"));
        assert!(svg.contains("$200.00"), "{svg}");
        assert!(svg.contains("Saldo &lt;cuotas&gt;"), "title escaped");
        assert!(svg.len() < 2_000);
        assert_eq!(line_chart(&[], "x", Tr::default()), "");
    }

    #[test]
    fn income_bars_mark_the_baseline_and_escape_labels() {
        let svg = bars_with_baseline(
            &[("2026-01".into(), 1_000_000), ("2026-02".into(), 300_000)],
            500_000,
            "Ingresos <vs> base",
            Tr::default(),
        );
        assert!(svg.starts_with("<svg") && svg.contains("class=\"baseline\""));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(
            svg.contains("class=\"bar low\""),
            "below the baseline: {svg}"
        );
        assert!(svg.contains("$5,000.00") && svg.contains("$10,000.00"));
        assert!(svg.contains("Ingresos &lt;vs&gt; base"));
        assert_eq!(bars_with_baseline(&[], 1, "x", Tr::default()), "");
    }

    #[test]
    fn sub_fund_bars_are_proportional() {
        let svg = hbars(
            &[("Desarrollo", 200), ("Competencia", 100)],
            "Fondo",
            Tr::default(),
        );
        assert!(
            svg.contains(r#"width="304""#) && svg.contains(r#"width="152""#),
            "{svg}"
        );
        assert!(svg.len() < 2_000);
    }
}
