//! The members file (R-ORG-2): a pure CSV parser that reports every bad row and field, and the
//! matching export so that export → import round-trips.
//!
//! One row per member; the header is required and names the columns in any order, in English
//! (`curp`, `given_names`, ...) or in Spanish (`nombres`, `apellidos`, `fecha_nacimiento`,
//! ...). Values are trimmed. A file whose header has semicolons and no commas (as a Spanish
//! spreadsheet saves it) is read with `;` as the separator. Nothing here touches a file or a
//! clock: the caller passes the text and `today`.

use crate::{
    Contact, Curp, FieldError, LetterOfCommitment, NewMember, Profile, Rfc, Sex, TargetProgramme,
};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Most member rows one file may carry (the store's import limit too).
pub const MAX_ROWS: usize = 10_000;

/// One problem in the file, where a person can find it: the 1-based line (the header is line
/// 1) and the column, e.g. `line 7, curp: 'ABC' must have 18 characters`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}

impl std::error::Error for RowError {}

/// A column: its canonical (export) name, the other names accepted in a header, and whether a
/// file must have it.
struct Column {
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

const COLUMNS: [Column; 16] = [
    Column {
        name: "curp",
        aliases: &[],
        required: true,
    },
    Column {
        name: "rfc",
        aliases: &[],
        required: false,
    },
    Column {
        name: "given_names",
        aliases: &["nombres", "nombre", "nombre(s)", "nombre_s"],
        required: true,
    },
    Column {
        name: "surnames",
        aliases: &["apellidos"],
        required: true,
    },
    Column {
        name: "sex",
        aliases: &["sexo"],
        required: true,
    },
    Column {
        name: "birth_date",
        aliases: &["fecha_nacimiento", "fecha_de_nacimiento", "nacimiento"],
        required: true,
    },
    Column {
        name: "municipality",
        aliases: &["municipio"],
        required: true,
    },
    Column {
        name: "state",
        aliases: &["estado", "entidad", "entidad_federativa"],
        required: true,
    },
    Column {
        name: "trade",
        aliases: &["oficio", "rama", "actividad"],
        required: true,
    },
    Column {
        name: "household_size",
        aliases: &[
            "tamano_hogar",
            "tamano_del_hogar",
            "integrantes_hogar",
            "personas_hogar",
        ],
        required: true,
    },
    Column {
        name: "profile",
        aliases: &["perfil"],
        required: true,
    },
    Column {
        name: "programmes",
        aliases: &["programas", "programs"],
        required: false,
    },
    Column {
        name: "joined_on",
        aliases: &["fecha_ingreso", "fecha_de_ingreso", "ingreso"],
        required: true,
    },
    Column {
        name: "letter_signed_on",
        aliases: &[
            "fecha_carta",
            "carta_firmada",
            "fecha_firma_carta",
            "carta_compromiso",
        ],
        required: true,
    },
    // Issue 19: the member's contact (optional columns; not exported with the registry).
    Column {
        name: "email",
        aliases: &["correo", "correo_electronico", "e_mail"],
        required: false,
    },
    Column {
        name: "mobile",
        aliases: &["celular", "movil", "telefono_celular"],
        required: false,
    },
];

// Positions in COLUMNS, so rows are read by name, not by number.
const CURP: usize = 0;
const RFC: usize = 1;
const GIVEN: usize = 2;
const SURNAMES: usize = 3;
const SEX: usize = 4;
const BIRTH: usize = 5;
const MUNICIPALITY: usize = 6;
const STATE: usize = 7;
const TRADE: usize = 8;
const HOUSEHOLD: usize = 9;
const PROFILE: usize = 10;
const PROGRAMMES: usize = 11;
const JOINED: usize = 12;
const LETTER: usize = 13;
const EMAIL: usize = 14;
const MOBILE: usize = 15;

/// The header [`member_to_csv_row`] writes under (no line break).
pub fn members_csv_header() -> &'static str {
    "curp,rfc,given_names,surnames,sex,birth_date,municipality,state,trade,household_size,\
     profile,programmes,joined_on,letter_signed_on"
}

/// One member as a CSV line under [`members_csv_header`] (no line break); declared programmes
/// only (R-ORG-4), joined by `;`. Values are quoted when they hold a comma, quote or break.
pub fn member_to_csv_row(member: &NewMember) -> String {
    let programmes: Vec<&str> = member
        .declared_programmes
        .iter()
        .map(TargetProgramme::as_str)
        .collect();
    let fields: [&str; 14] = [
        member.curp.as_str(),
        member.rfc.as_ref().map_or("", Rfc::as_str),
        &member.given_names,
        &member.surnames,
        member.sex.as_str(),
        &member.birth_date.format("%Y-%m-%d").to_string(),
        &member.municipality,
        &member.state,
        &member.trade,
        &member.household_size.to_string(),
        member.profile.as_str(),
        &programmes.join(";"),
        &member.joined_on.format("%Y-%m-%d").to_string(),
        &member.letter.signed_on.format("%Y-%m-%d").to_string(),
    ];
    let mut line = String::with_capacity(160);
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    line
}

/// Parses a members file (R-ORG-2). Either every row is a valid [`NewMember`], or the answer
/// lists every problem found: header columns missing, unknown or repeated; each bad field of
/// each row; a CURP repeated within the file (naming both lines); dates after `today`; more
/// than [`MAX_ROWS`] rows. Rows whose cells are all empty are skipped.
pub fn parse_members_csv(text: &str, today: NaiveDate) -> Result<Vec<NewMember>, Vec<RowError>> {
    Ok(parse_members_with_contacts_csv(text, today)?
        .into_iter()
        .map(|(m, _)| m)
        .collect())
}

/// [`parse_members_csv`] with each row's contact (issue 19: the optional `email` and `mobile`
/// columns, checked as [`Contact::parse`]; a bad one is a row error like any other field).
pub fn parse_members_with_contacts_csv(
    text: &str,
    today: NaiveDate,
) -> Result<Vec<(NewMember, Contact)>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
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
        Some(Err(e)) => return Err(vec![csv_error(&e, 1)]),
        None => {
            return Err(vec![RowError {
                line: 1,
                field: "header",
                message: format!(
                    "the file is empty; its first line must name the columns: {}",
                    members_csv_header()
                ),
            }])
        }
    };
    let mut lines = LineCounter {
        text: text.as_bytes(),
        pos: 0,
        line: 1,
    };
    let header_line = lines.line_of(&header);
    let positions = read_header(&header, header_line)?;

    let mut members = Vec::new();
    let mut errors = Vec::new();
    let mut first_line_of_curp: HashMap<String, usize> = HashMap::new();
    let mut rows = 0usize;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(csv_error(&e, header_line));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = lines.line_of(&record);
        rows += 1;
        if rows > MAX_ROWS {
            errors.push(RowError {
                line,
                field: "file",
                message: format!(
                    "has more than {MAX_ROWS} member rows; split it into files of at most \
                     {MAX_ROWS} rows"
                ),
            });
            break;
        }
        if record.len() > positions.width {
            errors.push(RowError {
                line,
                field: "row",
                message: format!(
                    "has {} cells but the header names {} columns",
                    record.len(),
                    positions.width
                ),
            });
            continue;
        }
        let cell = |column: usize| -> &str {
            positions.index[column]
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let contact = match Contact::parse(cell(EMAIL), cell(MOBILE)) {
            Ok(c) => c,
            Err(e) => {
                errors.push(RowError {
                    line,
                    field: e.field,
                    message: e.message,
                });
                Contact::default()
            }
        };
        match parse_row(cell, today) {
            Ok(member) => {
                match first_line_of_curp.get(member.curp.as_str()) {
                    Some(first) => errors.push(RowError {
                        line,
                        field: "curp",
                        message: format!(
                            "'{}' is repeated: it is already on line {first}",
                            member.curp.as_str()
                        ),
                    }),
                    None => {
                        first_line_of_curp.insert(member.curp.as_str().to_string(), line);
                    }
                }
                members.push((member, contact));
            }
            Err(row_errors) => errors.extend(row_errors.into_iter().map(|e| RowError {
                line,
                field: e.field,
                message: e.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok(members)
    } else {
        Err(errors)
    }
}

/// Line numbers as a person counts them. The CSV reader's own count is off after blank lines
/// (it counts from where it started looking), so lines are counted from the record's bytes.
pub struct LineCounter<'t> {
    text: &'t [u8],
    pos: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    /// A counter over the whole file text (the same text the CSV reader reads).
    pub fn new(text: &'t str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    /// The line a record starts on; records come in file order.
    pub fn line_of(&mut self, record: &csv::StringRecord) -> usize {
        let mut start = record
            .position()
            .map_or(self.pos, |p| p.byte() as usize)
            .clamp(self.pos, self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\n' | b'\r') {
            start += 1;
        }
        self.line += self.text[self.pos..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.pos = start;
        self.line
    }
}

/// Where each column is in the file (`None`: an optional column the file leaves out).
struct Positions {
    index: [Option<usize>; 16],
    width: usize,
}

/// A header cell as compared against column names: accents folded, lower case, `_` for
/// spaces and dashes (shared by every CSV import).
pub fn normalise_header(name: &str) -> String {
    fold_accents(name.trim())
        .to_lowercase()
        .replace([' ', '-'], "_")
}

fn read_header(header: &csv::StringRecord, line: usize) -> Result<Positions, Vec<RowError>> {
    let mut index = [None; 16];
    let mut errors = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = normalise_header(raw);
        let found = COLUMNS
            .iter()
            .position(|c| c.name == name || c.aliases.contains(&name.as_str()));
        match found {
            Some(c) if index[c].is_some() => errors.push(RowError {
                line,
                field: "header",
                message: format!(
                    "column '{raw}' is {} again (column {} and {})",
                    COLUMNS[c].name,
                    index[c].map_or(0, |p: usize| p + 1),
                    i + 1
                ),
            }),
            Some(c) => index[c] = Some(i),
            None if name.is_empty() => errors.push(RowError {
                line,
                field: "header",
                message: format!("column {} has no name", i + 1),
            }),
            None => errors.push(RowError {
                line,
                field: "header",
                message: format!(
                    "unknown column '{raw}'; the columns are: {},email,mobile",
                    members_csv_header()
                ),
            }),
        }
    }
    for (c, column) in COLUMNS.iter().enumerate() {
        if column.required && index[c].is_none() {
            errors.push(RowError {
                line,
                field: "header",
                message: format!("required column '{}' is missing", column.name),
            });
        }
    }
    if errors.is_empty() {
        Ok(Positions {
            index,
            width: header.len(),
        })
    } else {
        Err(errors)
    }
}

/// A CSV reader error as a row error on its line.
pub fn csv_error(e: &csv::Error, fallback_line: usize) -> RowError {
    RowError {
        line: e
            .position()
            .map_or(fallback_line, |p| p.line() as usize)
            .max(1),
        field: "row",
        message: format!("cannot be read as CSV: {e}"),
    }
}

/// Every problem of one row, at most one per field.
fn parse_row<'r>(
    cell: impl Fn(usize) -> &'r str,
    today: NaiveDate,
) -> Result<NewMember, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let required = |column: usize, errors: &mut Vec<FieldError>| -> Option<&'r str> {
        let value = cell(column);
        if value.is_empty() {
            errors.push(FieldError::new(
                COLUMNS[column].name,
                "is empty; it is required",
            ));
            None
        } else {
            Some(value)
        }
    };
    // Every cell is read, so every empty required cell is reported.
    let curp_text = required(CURP, &mut errors);
    let given = required(GIVEN, &mut errors);
    let surnames = required(SURNAMES, &mut errors);
    let sex_text = required(SEX, &mut errors);
    let birth_text = required(BIRTH, &mut errors);
    let municipality = required(MUNICIPALITY, &mut errors);
    let state = required(STATE, &mut errors);
    let trade = required(TRADE, &mut errors);
    let household_text = required(HOUSEHOLD, &mut errors);
    let profile_text = required(PROFILE, &mut errors);
    let joined_text = required(JOINED, &mut errors);
    let letter_text = required(LETTER, &mut errors);

    let curp = curp_text.and_then(|t| Curp::parse(t).map_err(|e| errors.push(e)).ok());
    let rfc = match cell(RFC) {
        "" => None,
        t => Rfc::parse(t).map_err(|e| errors.push(e)).ok(),
    };
    let sex = sex_text.and_then(|t| Sex::parse(t).map_err(|e| errors.push(e)).ok());
    let birth_date = parse_date(BIRTH, birth_text, today, &mut errors);
    let joined_on = parse_date(JOINED, joined_text, today, &mut errors);
    let letter_signed_on = parse_date(LETTER, letter_text, today, &mut errors);
    let household_size = household_text.and_then(|t| {
        t.parse::<u16>()
            .map_err(|_| {
                errors.push(FieldError::new(
                    "household_size",
                    format!("'{t}' must be a whole number of people"),
                ))
            })
            .ok()
    });
    let profile = profile_text.and_then(|t| Profile::parse(t).map_err(|e| errors.push(e)).ok());
    let mut declared_programmes = BTreeSet::new();
    let mut unknown: Vec<&str> = Vec::new();
    for name in cell(PROGRAMMES).split(';').map(str::trim) {
        match TargetProgramme::parse(programme_alias(name)) {
            Ok(p) => {
                declared_programmes.insert(p);
            }
            Err(_) if name.is_empty() => {}
            Err(_) => unknown.push(name),
        }
    }
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|n| format!("'{n}'")).collect();
        errors.push(FieldError::new(
            "programmes",
            format!(
                "{} not a target programme; the programmes are: {}",
                names.join(", "),
                declared_programme_names()
            ),
        ));
    }

    // The cross-field rules of `NewMember::check`, run with a stand-in wherever a cell failed;
    // a problem that involves a failed cell is not reported a second time.
    let failed: BTreeSet<&'static str> = errors.iter().map(|e| e.field).collect();
    let member = NewMember {
        curp: curp.unwrap_or_else(stand_in_curp),
        rfc,
        given_names: given.unwrap_or("-").to_string(),
        surnames: surnames.unwrap_or("-").to_string(),
        sex: sex.unwrap_or(Sex::Female),
        birth_date: birth_date.unwrap_or(NaiveDate::MIN),
        municipality: municipality.unwrap_or("-").to_string(),
        state: state.unwrap_or("-").to_string(),
        trade: trade.unwrap_or("-").to_string(),
        household_size: household_size.unwrap_or(1),
        profile: profile.unwrap_or(Profile::MicroProducer),
        declared_programmes,
        joined_on: joined_on.unwrap_or(NaiveDate::MIN),
        letter: LetterOfCommitment {
            signed_on: letter_signed_on.unwrap_or(NaiveDate::MIN),
        },
    };
    for e in check_every_field(member.clone()) {
        let depends_on: &[&str] = match e.field {
            "birth_date" => &["curp", "birth_date"],
            "sex" => &["curp", "sex"],
            "joined_on" => &["joined_on", "birth_date"],
            "letter_signed_on" => &["letter_signed_on", "joined_on"],
            other => &[other],
        };
        if depends_on.iter().any(|f| failed.contains(f)) {
            continue;
        }
        let message = match sex_text {
            Some(t) if e.field == "sex" && t.eq_ignore_ascii_case("m") => format!(
                "{}: M means male (hombre) here; write F or MUJER for a woman",
                e.message
            ),
            _ => e.message,
        };
        errors.push(FieldError::new(e.field, message));
    }
    if errors.is_empty() {
        Ok(member)
    } else {
        Err(errors)
    }
}

/// A date cell: `YYYY-MM-DD`, not after `today`.
fn parse_date(
    column: usize,
    text: Option<&str>,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let field = COLUMNS[column].name;
    let text = text?;
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!("'{text}' must be a date as YYYY-MM-DD"),
            ));
            None
        }
        Ok(d) if d > today => {
            errors.push(FieldError::new(
                field,
                format!("{d} is in the future (today is {today})"),
            ));
            None
        }
        Ok(d) => Some(d),
    }
}

fn declared_programme_names() -> String {
    let names: Vec<&str> = TargetProgramme::ALL
        .iter()
        .filter(|p| p.is_declared())
        .map(TargetProgramme::as_str)
        .collect();
    names.join(", ")
}

/// Every field `NewMember::check` refuses, not just the first: each refused field is set to a
/// value that passes, then the member is checked again.
fn check_every_field(mut member: NewMember) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    while let Err(e) = member.check() {
        let repeated = errors.iter().any(|seen| seen.field == e.field);
        let fixed = !repeated && make_pass(&mut member, e.field);
        errors.push(e);
        if !fixed {
            break;
        }
    }
    errors
}

fn make_pass(member: &mut NewMember, field: &str) -> bool {
    match field {
        "given_names" => member.given_names = "-".into(),
        "surnames" => member.surnames = "-".into(),
        "municipality" => member.municipality = "-".into(),
        "state" => member.state = "-".into(),
        "trade" => member.trade = "-".into(),
        "birth_date" => match member.curp.birth_date() {
            Some(d) => member.birth_date = d,
            None => return false,
        },
        "sex" => member.sex = Sex::from_curp_letter(member.curp.sex_letter()),
        "household_size" => member.household_size = 1,
        "joined_on" => {
            member.joined_on = member.birth_date.max(member.letter.signed_on);
        }
        "letter_signed_on" => member.letter.signed_on = member.joined_on,
        "programmes" => member.declared_programmes.retain(|p| p.is_declared()),
        _ => return false,
    }
    true
}

/// A valid CURP standing in for one that failed to parse, so the other checks can run.
fn stand_in_curp() -> Curp {
    Curp::parse("HEGG560427MVZRRL04").expect("a published CURP with a valid check digit")
}

/// Spanish names of the target programmes (R-ORG-4), folded to the storage key.
fn programme_alias(name: &str) -> &str {
    match normalise_header(name).as_str() {
        "inventores" => "inventors",
        "mujeres" => "women",
        "jovenes" => "young",
        "adultos_mayores" | "personas_mayores" => "elderly",
        "discapacidad" | "personas_con_discapacidad" => "disabled",
        "actividades_artisticas_y_culturales" | "artistico_cultural" | "arte_y_cultura" => {
            "artistic_cultural"
        }
        "arte_popular" => "popular_art",
        "indigenas" | "indigena" | "comunidades_indigenas" => "indigenous",
        _ => name,
    }
}

fn fold_accents(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' | 'Á' => 'a',
            'é' | 'É' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'Ó' => 'o',
            'ú' | 'Ú' | 'ü' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one helper: a file from its lines, parsed on 2025-06-30.
    fn parse(lines: &[&str]) -> Result<Vec<NewMember>, Vec<RowError>> {
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        parse_members_csv(&lines.join("\n"), today)
    }

    const HEADER: &str = "curp,rfc,given_names,surnames,sex,birth_date,municipality,state,trade,\
                          household_size,profile,programmes,joined_on,letter_signed_on";
    // HEGG560427MVZRRL04: a woman born 1956-04-27 in Veracruz.
    const GOOD: &str = "HEGG560427MVZRRL04,,Guadalupe,Hernández García,F,1956-04-27,Tlayacapan,\
                        Morelos,alfarería,5,micro_producer,popular_art;indigenous,2025-01-15,\
                        2025-01-15";
    // OEVL921024MDFLRR07: a woman born 1992-10-24 in Mexico City.
    const GOOD2: &str = "OEVL921024MDFLRR07,OEVL921024AB1,Laura,Olvera Vela,F,1992-10-24,\
                         Cuernavaca,Morelos,cerámica,3,micro_entrepreneur,,2025-02-01,2025-02-01";

    #[test]
    fn issue_19_the_optional_contact_columns_are_read_and_checked() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let header = format!("{HEADER},correo,celular");
        let text = [
            header.as_str(),
            &format!("{GOOD},lupe@ODF.mx,55 1234 5678"),
            &format!("{GOOD2},,"),
        ]
        .join("\n");
        let rows = parse_members_with_contacts_csv(&text, today).unwrap();
        assert_eq!(rows[0].1.email.as_deref(), Some("lupe@odf.mx"));
        assert_eq!(rows[0].1.mobile.as_deref(), Some("+525512345678"));
        assert!(rows[1].1.is_empty());
        // Bad contacts are row errors naming line and column; nothing is imported.
        let text = [
            header.as_str(),
            &format!("{GOOD},lupe,"),
            &format!("{GOOD2},,123"),
        ]
        .join("\n");
        let errors = parse_members_with_contacts_csv(&text, today).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.line, e.field)).collect::<Vec<_>>(),
            [(2, "email"), (3, "mobile")]
        );
        // A file without them is read as before.
        assert!(parse(&[HEADER, GOOD]).is_ok());
    }

    #[test]
    fn r_org_2_a_good_file_gives_members_with_every_field() {
        let members = parse(&[HEADER, GOOD, GOOD2]).unwrap();
        assert_eq!(members.len(), 2);
        let m = &members[0];
        assert_eq!(m.curp.as_str(), "HEGG560427MVZRRL04");
        assert_eq!(m.surnames, "Hernández García");
        assert_eq!(m.sex, Sex::Female);
        assert_eq!(m.household_size, 5);
        assert_eq!(m.profile, Profile::MicroProducer);
        assert_eq!(
            m.declared_programmes,
            BTreeSet::from([TargetProgramme::PopularArt, TargetProgramme::Indigenous])
        );
        assert_eq!(m.letter.signed_on, m.joined_on);
        assert_eq!(
            members[1].rfc.as_ref().map(Rfc::as_str),
            Some("OEVL921024AB1")
        );
    }

    #[test]
    fn r_org_2_every_bad_field_of_every_row_is_reported_with_its_line() {
        let bad_row_3 = GOOD
            .replace("HEGG560427MVZRRL04", "HEGG560427MVZRRL05")
            .replace(",5,", ",cinco,");
        let bad_row_4 = GOOD2
            .replace("micro_entrepreneur", "artesano")
            .replace("1992-10-24,", "24/10/1992,");
        let errors = parse(&[HEADER, GOOD, &bad_row_3, &bad_row_4]).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.line, e.field)).collect::<Vec<_>>(),
            [
                (3, "curp"),
                (3, "household_size"),
                (4, "birth_date"),
                (4, "profile")
            ]
        );
        assert!(errors[0].to_string().starts_with("line 3, curp: "));
        assert!(errors[0].message.contains("check digit"));
    }

    #[test]
    fn r_org_2_cross_field_problems_are_all_reported_not_just_the_first() {
        // Birth date disagrees with the CURP, household of 0, letter signed after joining.
        let row = GOOD
            .replace("F,1956-04-27", "F,1956-04-28")
            .replace(",5,", ",0,")
            .replace(",2025-01-15,2025-01-15", ",2025-01-15,2025-01-20");
        let errors = parse(&[HEADER, &row]).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.line, e.field)).collect::<Vec<_>>(),
            [
                (2, "birth_date"),
                (2, "household_size"),
                (2, "letter_signed_on")
            ]
        );
    }

    #[test]
    fn r_org_2_sex_must_agree_with_the_curp_and_m_is_explained() {
        let row = GOOD.replace(",F,", ",M,");
        let errors = parse(&[HEADER, &row]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "sex");
        assert!(errors[0].message.contains("MUJER"), "{}", errors[0]);
    }

    #[test]
    fn r_org_2_empty_required_cells_are_each_named() {
        let row = GOOD
            .replace("Guadalupe", "")
            .replace("Tlayacapan", "")
            .replace("alfarería", "");
        let errors = parse(&[HEADER, &row]).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.line, e.field)).collect::<Vec<_>>(),
            [(2, "given_names"), (2, "municipality"), (2, "trade")]
        );
        assert!(errors[0].message.contains("required"));
    }

    #[test]
    fn r_org_2_a_curp_repeated_in_the_file_names_both_lines() {
        let errors = parse(&[HEADER, GOOD, GOOD2, GOOD]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 4);
        assert_eq!(errors[0].field, "curp");
        assert!(errors[0].message.contains("line 2"), "{}", errors[0]);
    }

    #[test]
    fn r_org_2_dates_after_today_are_refused() {
        let row = GOOD.replace(",2025-01-15,2025-01-15", ",2025-07-01,2025-07-01");
        let errors = parse(&[HEADER, &row]).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.line, e.field)).collect::<Vec<_>>(),
            [(2, "joined_on"), (2, "letter_signed_on")]
        );
        assert!(errors[0].message.contains("future"));
    }

    #[test]
    fn r_org_2_missing_unknown_and_repeated_header_columns_are_reported() {
        let header = HEADER
            .replace("trade,", "colour,")
            .replace("profile,", "perfil,sexo,");
        let errors = parse(&[&header, GOOD]).unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(errors.iter().all(|e| e.line == 1 && e.field == "header"));
        assert!(messages
            .iter()
            .any(|m| m.contains("unknown column 'colour'")));
        assert!(messages.iter().any(|m| m.contains("'sexo' is sex again")));
        assert!(messages
            .iter()
            .any(|m| m.contains("required column 'trade' is missing")));
        assert_eq!(errors.len(), 3, "{messages:?}");
    }

    #[test]
    fn r_org_2_an_empty_file_asks_for_the_header() {
        let errors = parse(&[""]).unwrap_err();
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.contains("curp,rfc,given_names"));
    }

    #[test]
    fn r_org_2_spanish_headers_semicolons_and_programme_names_are_understood() {
        let header = "CURP;RFC;Nombres;Apellidos;Sexo;Fecha de nacimiento;Municipio;Estado;\
                      Oficio;Tamaño hogar;Perfil;Programas;Fecha de ingreso;Fecha carta";
        let row = "HEGG560427MVZRRL04;;Guadalupe;Hernández García;MUJER;1956-04-27;\
                   Tlayacapan;Morelos;alfarería;5;microproductor;\"arte popular;indígenas\";\
                   2025-01-15;2025-01-15";
        let members = parse(&[header, row]).unwrap();
        assert_eq!(
            members[0].declared_programmes,
            BTreeSet::from([TargetProgramme::PopularArt, TargetProgramme::Indigenous])
        );
    }

    #[test]
    fn r_org_4_derived_programmes_cannot_be_declared() {
        let row = GOOD.replace("popular_art;indigenous", "women;popular_art");
        let errors = parse(&[HEADER, &row]).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.line, e.field)).collect::<Vec<_>>(),
            [(2, "programmes")]
        );
        assert!(errors[0].message.contains("derived"));
        let row = GOOD.replace("popular_art;indigenous", "potters;dancers");
        let errors = parse(&[HEADER, &row]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0]
            .message
            .contains("'potters', 'dancers' not a target programme"));
    }

    #[test]
    fn r_org_2_a_row_with_more_cells_than_the_header_is_refused() {
        let errors = parse(&[HEADER, &format!("{GOOD},extra")]).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.line, e.field)).collect::<Vec<_>>(),
            [(2, "row")]
        );
    }

    #[test]
    fn r_org_2_blank_rows_are_skipped_and_line_numbers_stay_true() {
        let bad = GOOD2.replace("OEVL921024MDFLRR07", "OEVL");
        let errors = parse(&[HEADER, GOOD, ",,,,,,,,,,,,,", "", &bad]).unwrap_err();
        assert_eq!(errors[0].line, 5);
    }

    #[test]
    fn r_org_2_windows_line_endings_and_a_byte_order_mark_are_read() {
        let text = format!(
            "\u{feff}{HEADER}\r\n{GOOD}\r\n\r\n{}\r\n",
            GOOD2.replace(",3,", ",x,")
        );
        let errors = parse(&[&text]).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.line, e.field)).collect::<Vec<_>>(),
            [(4, "household_size")]
        );
    }

    #[test]
    fn r_org_2_a_file_is_limited_to_ten_thousand_rows() {
        let mut lines = vec![HEADER.to_string()];
        lines.extend((0..=MAX_ROWS).map(|_| GOOD.to_string()));
        let text = lines.join("\n");
        let errors = parse(&[&text]).unwrap_err();
        let limit = errors.iter().find(|e| e.field == "file").unwrap();
        assert_eq!(limit.line, MAX_ROWS + 2);
        assert!(limit.message.contains("10000"));
    }

    #[test]
    fn r_org_2_export_then_import_round_trips() {
        let mut members = parse(&[HEADER, GOOD, GOOD2]).unwrap();
        members[1].trade = "loza, \"fina\"".into();
        let mut text = members_csv_header().to_string();
        for m in &members {
            text.push('\n');
            text.push_str(&member_to_csv_row(m));
        }
        assert_eq!(parse(&[&text]).unwrap(), members);
    }
}
