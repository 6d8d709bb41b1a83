//! Price lists from a CSV file (R-BUY-1), all or nothing: the web's upload (issue 18). One row
//! per price tier; the rows of one supplier, material and first day of validity make one
//! list. A bad row refuses the whole file, each error naming its line and column in Spanish.

use super::purchasing::{SupplierEvent, SUPPLIERS};
use super::{event, Actor, PriceListInput, TierInput};
use crate::{App, AppError};
use chrono::NaiveDate;
use store::{Commit, OrgId, StoreError};
use trade::TradeError;

/// The columns of the file, in order (the header names them; order does not matter).
pub const PRICE_LIST_COLUMNS: [&str; 10] = [
    "proveedor",
    "material",
    "esquema",
    "desde",
    "hasta",
    "precio",
    "pedido_minimo",
    "dias_entrega",
    "vigente_desde",
    "vigente_hasta",
];

/// Most rows one file may carry.
pub const MAX_PRICE_ROWS: usize = 5_000;

/// What an import recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PriceListsImported {
    /// Lists in the file.
    pub lists: usize,
    /// Lists recorded now (the others had been recorded before, identical).
    pub created: usize,
}

fn line_error(line: u64, column: &str, message: impl std::fmt::Display) -> String {
    format!("línea {line}, {column}: {message}")
}

/// A price in pesos as a person types it (`12.50`, `$1,200`), in centavos.
fn pesos(text: &str) -> Option<i64> {
    ledger::typed::parse_typed_minor(text, false).ok()
}

/// The Spanish reason a price list's tiers or fields are refused (R-BUY-1), and its column.
pub fn price_list_reason(e: &TradeError) -> (&'static str, String) {
    match e {
        TradeError::NoTiers { .. }
        | TradeError::FirstTierStart { .. }
        | TradeError::TierBounds { .. }
        | TradeError::TierGap { .. }
        | TradeError::TierOverlap { .. }
        | TradeError::OpenTierNotLast { .. } => (
            "desde",
            "los tramos deben empezar en 1 y seguir sin huecos ni traslapes; sólo el último \
             puede quedar sin límite"
                .into(),
        ),
        TradeError::TierPrice { .. } => ("precio", "el precio debe ser mayor que cero".into()),
        TradeError::PriceListField { field, .. } if field.contains("valid") => (
            "vigente_hasta",
            "la vigencia debe terminar el mismo día o después de empezar".into(),
        ),
        TradeError::PriceListField { .. } => (
            "pedido_minimo",
            "el pedido mínimo o el plazo de entrega no es válido".into(),
        ),
        _ => ("precio", "la lista de precios no es válida".into()),
    }
}

struct Group {
    line: u64,
    list: PriceListInput,
}

/// Reads the file into price lists (no store access). Errors: every bad line, in order.
pub fn parse_price_lists_csv(text: &str) -> Result<Vec<(u64, PriceListInput)>, AppError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        _ => {
            return Err(AppError::Rows(vec![line_error(
                1,
                "encabezado",
                format!(
                    "el archivo está vacío; su primera línea nombra las columnas: {}",
                    PRICE_LIST_COLUMNS.join(",")
                ),
            )]))
        }
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut index = [0usize; PRICE_LIST_COLUMNS.len()];
    let mut errors = Vec::new();
    for (i, c) in PRICE_LIST_COLUMNS.iter().enumerate() {
        match names.iter().position(|n| n == c) {
            Some(p) => index[i] = p,
            None => errors.push(line_error(1, "encabezado", format!("falta la columna {c}"))),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Rows(errors));
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut rows = 0usize;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(line_error(line, "archivo", "la línea no se puede leer"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows += 1;
        if rows > MAX_PRICE_ROWS {
            errors.push(line_error(
                line,
                "archivo",
                format!("a lo más {MAX_PRICE_ROWS} líneas por archivo"),
            ));
            break;
        }
        let col = |i: usize| record.get(index[i]).unwrap_or("").to_string();
        let mut bad = |column: &str, message: &str| errors.push(line_error(line, column, message));
        let supplier = col(0);
        let material = col(1);
        if supplier.is_empty() {
            bad("proveedor", "escriba el código del proveedor");
        }
        if super::check_id("material", &material).is_err() {
            bad(
                "material",
                "escriba el material con letras sin acentos, números, punto, guion o guion bajo",
            );
        }
        let pricing = match col(2).to_lowercase().as_str() {
            "todas" | "todas_las_unidades" | "all_units" => "all_units",
            "incremental" | "por_tramo" => "incremental",
            _ => {
                bad("esquema", "debe ser «todas» o «incremental»");
                ""
            }
        };
        let from = col(3).parse::<u32>().ok().filter(|&v| v >= 1);
        if from.is_none() {
            bad("desde", "debe ser un número entero de unidades, 1 o más");
        }
        let to = match col(4).as_str() {
            "" => Some(None),
            v => v.parse::<u32>().ok().map(Some),
        };
        if to.is_none() {
            bad(
                "hasta",
                "debe ser un número entero de unidades o quedar vacío",
            );
        }
        let price = pesos(&col(5)).filter(|&p| p > 0);
        if price.is_none() {
            bad(
                "precio",
                "debe ser un importe en pesos mayor que cero, como 12.50",
            );
        }
        let min_order = match col(6).as_str() {
            "" => Some(0),
            v => v.parse::<u32>().ok(),
        };
        if min_order.is_none() {
            bad("pedido_minimo", "debe ser un número entero de unidades");
        }
        let lead = match col(7).as_str() {
            "" => Some(0),
            v => v.parse::<u32>().ok(),
        };
        if lead.is_none() {
            bad("dias_entrega", "debe ser un número entero de días");
        }
        let day = |i: usize| NaiveDate::parse_from_str(&col(i), "%Y-%m-%d").ok();
        let (valid_from, valid_until) = (day(8), day(9));
        if valid_from.is_none() {
            bad("vigente_desde", "debe ser una fecha AAAA-MM-DD");
        }
        if valid_until.is_none() {
            bad("vigente_hasta", "debe ser una fecha AAAA-MM-DD");
        }
        let (
            Some(from),
            Some(to),
            Some(price),
            Some(min_order),
            Some(lead),
            Some(valid_from),
            Some(valid_until),
        ) = (from, to, price, min_order, lead, valid_from, valid_until)
        else {
            continue;
        };
        if pricing.is_empty() || supplier.is_empty() {
            continue;
        }
        let tier = TierInput {
            from_units: from,
            to_units: to,
            unit_price_minor: price,
        };
        match groups.iter_mut().find(|g| {
            g.list.supplier == supplier
                && g.list.material == material
                && g.list.valid_from == valid_from
        }) {
            Some(g) => {
                let l = &g.list;
                if l.pricing != pricing
                    || l.min_order_units != min_order
                    || l.lead_time_days != lead
                    || l.valid_until != valid_until
                {
                    errors.push(line_error(
                        line,
                        "esquema",
                        format!(
                            "los tramos de una lista comparten esquema, pedido mínimo, días de \
                             entrega y vigencia (como en la línea {})",
                            g.line
                        ),
                    ));
                } else {
                    g.list.tiers.push(tier);
                }
            }
            None => groups.push(Group {
                line,
                list: PriceListInput {
                    supplier,
                    material,
                    pricing: pricing.into(),
                    tiers: vec![tier],
                    min_order_units: min_order,
                    lead_time_days: lead,
                    valid_from,
                    valid_until,
                },
            }),
        }
    }
    if groups.is_empty() && errors.is_empty() {
        errors.push(line_error(
            2,
            "archivo",
            "el archivo no tiene tramos de precio",
        ));
    }
    for g in &mut groups {
        g.list.tiers.sort_by_key(|t| t.from_units);
        if let Err(AppError::Trade(e)) = g.list.to_pure() {
            let (column, reason) = price_list_reason(&e);
            errors.push(line_error(g.line, column, reason));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Rows(errors));
    }
    Ok(groups.into_iter().map(|g| (g.line, g.list)).collect())
}

impl App {
    /// R-BUY-1: price lists from a CSV file ([`PRICE_LIST_COLUMNS`]) in ONE commit, all or
    /// nothing: a bad line, or a supplier not registered, refuses the file naming every line
    /// at fault. A list recorded before with the same data is skipped; with other data (the
    /// same supplier, material and first day), refused naming its line.
    pub async fn import_price_lists(
        &self,
        org_id: OrgId,
        by: &Actor,
        text: &str,
    ) -> Result<PriceListsImported, AppError> {
        let lists = parse_price_lists_csv(text)?;
        self.store().org(org_id).await?;
        let (suppliers, _) = self.trade_catalogue(org_id).await?;
        let mut errors = Vec::new();
        let mut events = Vec::new();
        for (line, list) in &lists {
            if !suppliers.iter().any(|s| s.code == list.supplier) {
                errors.push(line_error(
                    *line,
                    "proveedor",
                    format!("el proveedor «{}» no está registrado", list.supplier),
                ));
                continue;
            }
            let key = super::purchasing::price_list_key(list);
            let e = event(
                SUPPLIERS,
                "trade.price-list.registered",
                key.clone(),
                &SupplierEvent::PriceList(list.clone()),
                by,
            )?;
            match self.store().event_by_key(org_id, &key).await {
                Ok(before) if before.event.payload == e.payload => {}
                Ok(_) => errors.push(line_error(
                    *line,
                    "vigente_desde",
                    "ya hay otra lista de este proveedor y material desde ese día; use otra \
                     fecha de inicio",
                )),
                Err(StoreError::NotFound { .. }) => events.push(e),
                Err(e) => return Err(e.into()),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Rows(errors));
        }
        let created = events.len();
        if created > 0 {
            self.trade_commit(
                org_id,
                Commit {
                    events,
                    ..Commit::default()
                },
            )
            .await?;
        }
        Ok(PriceListsImported {
            lists: lists.len(),
            created,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "proveedor,material,esquema,desde,hasta,precio,pedido_minimo,\
                          dias_entrega,vigente_desde,vigente_hasta\n";

    #[test]
    fn rows_of_one_list_make_one_list_with_its_tiers_in_centavos() {
        let text = format!(
            "{HEADER}barros,barro,todas,100,,10.00,0,3,2026-01-01,2026-12-31\n\
             barros,barro,todas,1,99,12.50,0,3,2026-01-01,2026-12-31\n\
             barros,esmalte,incremental,1,,$1,200,5,7,2026-01-01,2026-12-31\n"
        );
        // The last line has an unquoted thousands comma: its columns shift, so it is refused.
        let err = parse_price_lists_csv(&text).unwrap_err();
        let AppError::Rows(rows) = err else {
            panic!("rows")
        };
        assert!(rows.iter().all(|r| r.starts_with("línea 4,")), "{rows:?}");
        let text = format!(
            "{HEADER}barros,barro,todas,100,,10.00,0,3,2026-01-01,2026-12-31\n\
             barros,barro,todas,1,99,12.50,0,3,2026-01-01,2026-12-31\n\
             barros,esmalte,incremental,1,,\"$1,200\",5,7,2026-01-01,2026-12-31\n"
        );
        let lists = parse_price_lists_csv(&text).unwrap();
        assert_eq!(lists.len(), 2);
        let (line, barro) = &lists[0];
        assert_eq!(*line, 2);
        assert_eq!(barro.tiers.len(), 2);
        assert_eq!(barro.tiers[0].from_units, 1);
        assert_eq!(barro.tiers[0].unit_price_minor, 1250);
        assert_eq!(barro.tiers[1].unit_price_minor, 1000);
        assert_eq!(lists[1].1.tiers[0].unit_price_minor, 120_000);
        assert_eq!(lists[1].1.pricing, "incremental");
    }

    #[test]
    fn a_gap_or_a_bad_field_names_the_line_and_column_in_spanish() {
        let text = format!(
            "{HEADER}barros,barro,todas,1,49,12.50,0,3,2026-01-01,2026-12-31\n\
             barros,barro,todas,60,,10.00,0,3,2026-01-01,2026-12-31\n\
             barros,leña,todas,1,,0,0,3,2026-01-01,2026-13-01\n"
        );
        let AppError::Rows(rows) = parse_price_lists_csv(&text).unwrap_err() else {
            panic!("rows")
        };
        assert!(
            rows.iter().any(|r| r.starts_with("línea 4, material:")),
            "{rows:?}"
        );
        assert!(
            rows.iter().any(|r| r.starts_with("línea 4, precio:")),
            "{rows:?}"
        );
        assert!(
            rows.iter()
                .any(|r| r.starts_with("línea 4, vigente_hasta:")),
            "{rows:?}"
        );
        assert!(
            rows.iter().any(|r| r.starts_with("línea 2, desde:")),
            "{rows:?}"
        );
        let AppError::Rows(rows) = parse_price_lists_csv("proveedor,material\n").unwrap_err()
        else {
            panic!("rows")
        };
        assert!(rows[0].contains("falta la columna esquema"), "{rows:?}");
    }
}
