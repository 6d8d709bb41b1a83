//! Server-rendered SVG charts: no script, a few hundred bytes, readable on a phone and
//! printable. Amounts are minor units; the chart scales them with integer arithmetic.

use crate::i18n::Tr;
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
            r#"<text x="2" y="{pad}" class="lbl">{hi}</text>"#,
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
}
