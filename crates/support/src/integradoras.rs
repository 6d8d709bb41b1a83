//! R-SUP-3: integradoras and clusters (seed 004). The 1997 table of empresas integradoras by
//! sector, shipped with the crate and checked against its published totals on load, and the
//! indicators the seed links to success, for a registered integradora or an ODF seen as one:
//! group size, homogeneity of members' size, product specialisation, each with its reading.

use crate::SupportError;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const RULE: &str = "R-SUP-3";

/// The 1997 table (`shared/data/integradoras-1997.csv`; see `data/` in this crate).
pub const TABLE_1997_CSV: &str = include_str!("../data/integradoras-1997.csv");

/// The totals seed 004 publishes for 1 October 1997.
pub const TOTALS_1997: Totals = Totals {
    integradoras: 229,
    associated_firms: 8_333,
    investment_thousand_usd: 19_087,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub integradoras: u32,
    pub associated_firms: u32,
    pub investment_thousand_usd: u32,
}

/// One sector's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectorRow {
    pub sector: String,
    pub integradoras: u32,
    pub associated_firms: u32,
    pub investment_thousand_usd: u32,
}

impl SectorRow {
    /// Associated firms per integradora, two decimals half-to-even (the sector's group size).
    pub fn firms_per_integradora(&self) -> Decimal {
        ratio(self.associated_firms, self.integradoras)
    }
    /// Investment per associated firm in thousand US dollars, two decimals.
    pub fn investment_per_firm(&self) -> Decimal {
        ratio(self.investment_thousand_usd, self.associated_firms)
    }
}

fn ratio(n: u32, d: u32) -> Decimal {
    if d == 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(n) / Decimal::from(d))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// A parsed table with its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub rows: Vec<SectorRow>,
    pub totals: Totals,
}

/// Parses a table (`sector,integradoras,associated_firms,investment_thousand_usd`); when
/// `expected` is given, refuses it unless the rows add up to exactly those totals. Errors name
/// the line and column.
pub fn parse_table(text: &str, expected: Option<Totals>) -> Result<Table, SupportError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| SupportError::rule(RULE, "header", e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let want = [
        "sector",
        "integradoras",
        "associated_firms",
        "investment_thousand_usd",
    ];
    if header != want {
        return Err(SupportError::rule(
            RULE,
            "header",
            format!("expected {}", want.join(",")),
        ));
    }
    let mut rows = Vec::new();
    let mut totals = Totals::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record =
            record.map_err(|e| SupportError::rule(RULE, "row", format!("line {line}: {e}")))?;
        let number = |col: usize, field: &'static str| -> Result<u32, SupportError> {
            record.get(col).unwrap_or("").parse::<u32>().map_err(|_| {
                SupportError::rule(RULE, field, format!("line {line}: not a whole number"))
            })
        };
        let sector = crate::text("sector", record.get(0).unwrap_or(""), false, 120)?;
        let row = SectorRow {
            sector,
            integradoras: number(1, "integradoras")?,
            associated_firms: number(2, "associated_firms")?,
            investment_thousand_usd: number(3, "investment_thousand_usd")?,
        };
        let add = |a: u32, b: u32, field| {
            a.checked_add(b)
                .ok_or_else(|| SupportError::rule(RULE, field, "total too large"))
        };
        totals.integradoras = add(totals.integradoras, row.integradoras, "integradoras")?;
        totals.associated_firms = add(
            totals.associated_firms,
            row.associated_firms,
            "associated_firms",
        )?;
        totals.investment_thousand_usd = add(
            totals.investment_thousand_usd,
            row.investment_thousand_usd,
            "investment_thousand_usd",
        )?;
        rows.push(row);
    }
    if let Some(expected) = expected {
        for (field, got, want) in [
            ("integradoras", totals.integradoras, expected.integradoras),
            (
                "associated_firms",
                totals.associated_firms,
                expected.associated_firms,
            ),
            (
                "investment_thousand_usd",
                totals.investment_thousand_usd,
                expected.investment_thousand_usd,
            ),
        ] {
            if got != want {
                return Err(SupportError::rule(
                    RULE,
                    field,
                    format!("the rows add up to {got}, the published total is {want}"),
                ));
            }
        }
    }
    Ok(Table { rows, totals })
}

/// The 1997 table, checked against [`TOTALS_1997`].
pub fn table_1997() -> Result<Table, SupportError> {
    parse_table(TABLE_1997_CSV, Some(TOTALS_1997))
}

/// One associated firm (or member) of a group: its size (revenue or capacity, any one unit for
/// the whole group) and what it makes (product and amount, same unit across the group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firm {
    pub size: i64,
    pub products: Vec<(String, i64)>,
}

/// **(setting)** thresholds for the readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndicatorSettings {
    /// A group of at most this many members is small (seed 004: "success was related to small
    /// numbers"). Default 20 **(decision)**.
    pub small_group_max: usize,
    /// Coefficient of variation of size at most this is homogeneous. Default 0.5.
    pub homogeneous_cv_max: Decimal,
    /// A Herfindahl index over products at least this is specialised. Default 0.5.
    pub specialised_hhi_min: Decimal,
}

impl Default for IndicatorSettings {
    fn default() -> Self {
        IndicatorSettings {
            small_group_max: 20,
            homogeneous_cv_max: Decimal::new(5, 1),
            specialised_hhi_min: Decimal::new(5, 1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    GroupSize,
    Homogeneity,
    Specialisation,
}

/// An indicator's value and the seed's reading of it (es-MX).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub indicator: Indicator,
    /// The value as text (a count, or a decimal with four places).
    pub value: String,
    /// Whether seed 004 links this value to success.
    pub favourable: bool,
    pub reading: String,
}

/// The square root of a non-negative decimal by Newton's method, to 12 places (deterministic).
pub fn sqrt(x: Decimal) -> Option<Decimal> {
    if x < Decimal::ZERO {
        return None;
    }
    if x.is_zero() {
        return Some(Decimal::ZERO);
    }
    let mut g = if x > Decimal::ONE {
        x / Decimal::TWO
    } else {
        Decimal::ONE
    };
    for _ in 0..200 {
        let next = (g + x.checked_div(g)?) / Decimal::TWO;
        let next = next.round_dp(16);
        if next == g {
            break;
        }
        g = next;
    }
    Some(g.round_dp_with_strategy(12, RoundingStrategy::MidpointNearestEven))
}

/// Coefficient of variation of the sizes (population standard deviation over the mean), to
/// four places; `None` with no members or a zero mean.
pub fn coefficient_of_variation(sizes: &[i64]) -> Option<Decimal> {
    if sizes.is_empty() {
        return None;
    }
    let n = Decimal::from(sizes.len() as u64);
    let sum = sizes
        .iter()
        .try_fold(Decimal::ZERO, |a, s| a.checked_add(Decimal::from(*s)))?;
    if sum.is_zero() {
        return None;
    }
    let mean = sum / n;
    let var = sizes.iter().try_fold(Decimal::ZERO, |a, s| {
        let d = Decimal::from(*s) - mean;
        a.checked_add(d.checked_mul(d)?)
    })? / n;
    Some((sqrt(var)? / mean).round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven))
}

/// Herfindahl index over products: Σ (product's share of the group's output)², in [1/n, 1],
/// to four places; `None` with no output.
pub fn herfindahl(firms: &[Firm]) -> Option<Decimal> {
    let mut by_product: BTreeMap<&str, i64> = BTreeMap::new();
    for f in firms {
        for (p, q) in &f.products {
            let e = by_product.entry(p.as_str()).or_default();
            *e = e.checked_add(*q)?;
        }
    }
    let total: i64 = by_product
        .values()
        .try_fold(0i64, |a, v| a.checked_add(*v))?;
    if total <= 0 {
        return None;
    }
    let total = Decimal::from(total);
    let hhi = by_product.values().try_fold(Decimal::ZERO, |a, v| {
        let s = Decimal::from(*v) / total;
        a.checked_add(s * s)
    })?;
    Some(hhi.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven))
}

/// R-SUP-3: the three indicators of seed 004 for a group, with their readings.
pub fn indicators(firms: &[Firm], settings: IndicatorSettings) -> Vec<Reading> {
    let n = firms.len();
    let small = n <= settings.small_group_max;
    let mut out = vec![Reading {
        indicator: Indicator::GroupSize,
        value: n.to_string(),
        favourable: small,
        reading: if small {
            format!("Grupo pequeño ({n} socios): la semilla 004 asocia el éxito de las integradoras a grupos pequeños, con menos problemas de coordinación.")
        } else {
            format!("Grupo grande ({n} socios): a más socios, más problemas de coordinación y comunicación, según la semilla 004.")
        },
    }];
    let sizes: Vec<i64> = firms.iter().map(|f| f.size).collect();
    if let Some(cv) = coefficient_of_variation(&sizes) {
        let ok = cv <= settings.homogeneous_cv_max;
        out.push(Reading {
            indicator: Indicator::Homogeneity,
            value: cv.to_string(),
            favourable: ok,
            reading: if ok {
                format!("Socios de tamaño parecido (coeficiente de variación {cv}): la homogeneidad permite complementarse cuando crece la demanda.")
            } else {
                format!("Socios de tamaños muy distintos (coeficiente de variación {cv}): la semilla 004 encontró que la homogeneidad entre empresas es esencial.")
            },
        });
    }
    if let Some(hhi) = herfindahl(firms) {
        let ok = hhi >= settings.specialised_hhi_min;
        out.push(Reading {
            indicator: Indicator::Specialisation,
            value: hhi.to_string(),
            favourable: ok,
            reading: if ok {
                format!("Producción especializada (índice de concentración {hhi}): un segmento de mercado preciso mejora la calidad y la retroalimentación de los clientes.")
            } else {
                format!("Producción dispersa (índice de concentración {hhi}): muchos productos distintos reducen el control de calidad, según la semilla 004.")
            },
        });
    }
    out
}

/// A registered integradora or cluster: associated firms by sector and state, with members and
/// investment (R-SUP-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integradora {
    pub name: String,
    pub sector: String,
    pub state: String,
    pub firms: Vec<Firm>,
    pub investment_minor: i64,
}

impl Integradora {
    pub fn new(
        name: &str,
        sector: &str,
        state: &str,
        firms: Vec<Firm>,
        investment_minor: i64,
    ) -> Result<Self, SupportError> {
        if investment_minor < 0 {
            return Err(SupportError::rule(
                RULE,
                "investment",
                "must not be negative",
            ));
        }
        if firms
            .iter()
            .any(|f| f.size < 0 || f.products.iter().any(|(_, q)| *q < 0))
        {
            return Err(SupportError::rule(
                RULE,
                "firms",
                "sizes and amounts must not be negative",
            ));
        }
        for f in &firms {
            for (p, _) in &f.products {
                crate::text("product", p, false, 120)?;
            }
        }
        Ok(Integradora {
            name: crate::text("name", name, false, 120)?,
            sector: crate::text("sector", sector, false, 120)?,
            state: crate::text("state", state, false, 120)?,
            firms,
            investment_minor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn r_sup_3_the_1997_table_adds_up_to_the_published_totals() {
        let t = table_1997().unwrap();
        assert_eq!(t.rows.len(), 24);
        assert_eq!(t.totals.integradoras, 229);
        assert_eq!(t.totals.associated_firms, 8_333);
        assert_eq!(t.totals.investment_thousand_usd, 19_087);
        // Garment: 13 integradoras, 135 firms → 10.38 firms each (135/13 = 10.3846).
        let garment = t.rows.iter().find(|r| r.sector == "Garment").unwrap();
        assert_eq!(garment.firms_per_integradora(), dec!(10.38));
    }

    #[test]
    fn r_sup_3_a_table_whose_rows_disagree_with_its_totals_is_refused() {
        let text =
            "sector,integradoras,associated_firms,investment_thousand_usd\nA,2,10,5\nB,1,3,x\n";
        assert_eq!(
            parse_table(text, None).unwrap_err().field(),
            "investment_thousand_usd"
        );
        let text =
            "sector,integradoras,associated_firms,investment_thousand_usd\nA,2,10,5\nB,1,3,4\n";
        let want = Totals {
            integradoras: 3,
            associated_firms: 13,
            investment_thousand_usd: 10,
        };
        let err = parse_table(text, Some(want)).unwrap_err();
        assert_eq!(err.field(), "investment_thousand_usd");
        assert!(parse_table(
            text,
            Some(Totals {
                investment_thousand_usd: 9,
                ..want
            })
        )
        .is_ok());
    }

    fn firm(size: i64, products: &[(&str, i64)]) -> Firm {
        Firm {
            size,
            products: products.iter().map(|(p, q)| (p.to_string(), *q)).collect(),
        }
    }

    #[test]
    fn r_sup_3_indicators_with_their_readings() {
        // Sizes 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population variance 4, sd 2 → CV 0.4.
        let sizes = [2, 4, 4, 4, 5, 5, 7, 9];
        assert_eq!(coefficient_of_variation(&sizes), Some(dec!(0.4)));
        // Jeans 60, shirts 30, caps 10 of 100: 0.36 + 0.09 + 0.01 = 0.46.
        let firms: Vec<Firm> = sizes
            .iter()
            .enumerate()
            .map(|(i, s)| match i {
                0 => firm(*s, &[("jeans", 60)]),
                1 => firm(*s, &[("shirts", 30)]),
                2 => firm(*s, &[("caps", 10)]),
                _ => firm(*s, &[]),
            })
            .collect();
        assert_eq!(herfindahl(&firms), Some(dec!(0.46)));
        let r = indicators(&firms, IndicatorSettings::default());
        assert_eq!(r.len(), 3);
        assert!(r[0].favourable && r[0].value == "8");
        assert!(r[1].favourable, "CV 0.4 <= 0.5 is homogeneous");
        assert!(!r[2].favourable, "0.46 < 0.5 is dispersed");
        assert!(r[2].reading.contains("dispersa"));
        // One product only: fully specialised (1).
        let one = vec![firm(10, &[("jeans", 5)]), firm(30, &[("jeans", 7)])];
        assert_eq!(herfindahl(&one), Some(dec!(1)));
        // Sizes 10 and 30: mean 20, sd 10 → CV 0.5, still homogeneous at the threshold.
        assert_eq!(coefficient_of_variation(&[10, 30]), Some(dec!(0.5)));
        assert_eq!(sqrt(dec!(2)).unwrap().round_dp(6), dec!(1.414214));
    }
}
