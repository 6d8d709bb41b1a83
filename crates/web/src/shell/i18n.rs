//! The message catalogue (`messages.toml`): es-MX by default, English selectable with
//! `?lang=en` (remembered in a cookie). Templates and handlers show user-facing text only
//! through [`Tr::get`]; a test checks that every key used exists in both languages and that
//! the templates carry no text of their own.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "es" | "es-MX" => Some(Lang::Es),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }
    /// The `lang` attribute of the page.
    pub fn html(&self) -> &'static str {
        match self {
            Lang::Es => "es-MX",
            Lang::En => "en",
        }
    }
}

pub(crate) struct Catalogue {
    pub es: HashMap<String, String>,
    pub en: HashMap<String, String>,
    /// The rule a message rests on, by message key (the `[rules]` table: ids separated by
    /// spaces). The message itself never names it (issue 17): pages show a small link.
    pub rules: HashMap<String, String>,
}

pub(crate) static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    parse_catalogue(include_str!("../../messages.toml")).expect("messages.toml is valid")
});

pub(crate) fn parse_catalogue(text: &str) -> Result<Catalogue, String> {
    #[derive(serde::Deserialize)]
    struct Block {
        es: HashMap<String, String>,
        en: HashMap<String, String>,
    }
    /// `[es]` and `[en]`, then any number of blocks `[name.es]`/`[name.en]` added at the end
    /// of the file (one per branch of work, so that merges do not collide); a key defined
    /// twice is an error.
    #[derive(serde::Deserialize)]
    struct File {
        es: HashMap<String, String>,
        en: HashMap<String, String>,
        #[serde(default)]
        rules: HashMap<String, String>,
        #[serde(flatten)]
        blocks: std::collections::BTreeMap<String, Block>,
    }
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut c = Catalogue {
        es: file.es,
        en: file.en,
        rules: file.rules,
    };
    for (name, block) in file.blocks {
        for (into, from) in [(&mut c.es, block.es), (&mut c.en, block.en)] {
            for (k, v) in from {
                if into.insert(k.clone(), v).is_some() {
                    return Err(format!("{name}: key {k} is defined twice"));
                }
            }
        }
    }
    Ok(c)
}

/// A translator for one request's language. Copy it into every template as `t`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    /// The message for `key`; a missing key shows the key itself (and the catalogue test
    /// fails), never an empty string.
    pub fn get(&self, key: &str) -> &'static str {
        let map = match self.lang {
            Lang::Es => &CATALOGUE.es,
            Lang::En => &CATALOGUE.en,
        };
        match map.get(key) {
            Some(text) => text.as_str(),
            None => {
                tracing::warn!(key, "message missing from catalogue");
                Box::leak(key.to_string().into_boxed_str())
            }
        }
    }

    /// The message for `key` when the catalogue has one (for keys made from stored values,
    /// such as the audit log's field names).
    pub fn lookup(&self, key: &str) -> Option<&'static str> {
        let map = match self.lang {
            Lang::Es => &CATALOGUE.es,
            Lang::En => &CATALOGUE.en,
        };
        map.get(key).map(String::as_str)
    }

    /// A message with `{}` replaced by `arg`.
    pub fn fmt(&self, key: &str, arg: &str) -> String {
        self.get(key).replacen("{}", arg, 1)
    }

    /// A message with each `{}` replaced by the next of `args`, in order.
    pub fn fmt_all(&self, key: &str, args: &[&str]) -> String {
        args.iter()
            .fold(self.get(key).to_string(), |m, a| m.replacen("{}", a, 1))
    }

    /// The message for a field error: `field.<name>` names the field, and the catalogue says
    /// what to fix.
    pub fn field_error(&self, field: &str) -> &'static str {
        let key = format!("error.field.{field}");
        let map = match self.lang {
            Lang::Es => &CATALOGUE.es,
            Lang::En => &CATALOGUE.en,
        };
        match map.get(&key) {
            Some(text) => text.as_str(),
            None => self.get("error.field.generic"),
        }
    }

    /// What an event kind means (`event.<kind>` in the catalogue), for the audit log; `None`
    /// for a kind the catalogue does not name (the log then shows the kind alone).
    pub fn event_kind(&self, kind: &str) -> Option<&'static str> {
        let map = match self.lang {
            Lang::Es => &CATALOGUE.es,
            Lang::En => &CATALOGUE.en,
        };
        map.get(&format!("event.{kind}")).map(String::as_str)
    }

    /// The rules a message rests on: by its catalogue key, or by its text in this language
    /// (for a message a handler passed on as text), or a rule id itself. Empty when it rests
    /// on none.
    pub fn rules_of<'a>(&self, key_or_text: &'a str) -> Vec<&'a str> {
        let c = &*CATALOGUE;
        let ids = c.rules.get(key_or_text).or_else(|| {
            let map = match self.lang {
                Lang::Es => &c.es,
                Lang::En => &c.en,
            };
            c.rules
                .iter()
                .find(|(k, _)| map.get(k.as_str()).is_some_and(|m| m == key_or_text))
                .map(|(_, ids)| ids)
        });
        match ids {
            Some(ids) => ids.split_whitespace().collect(),
            // A rule id itself (a setting names the rule it belongs to).
            None if key_or_text.starts_with("R-") && !key_or_text.contains(' ') => {
                vec![key_or_text]
            }
            None => Vec::new(),
        }
    }

    /// The small "regla" link(s) shown after a message that rests on a rule (see
    /// [`Tr::rules_of`]), as HTML: each links to the rule's entry on `/reglas`; the id is in
    /// the link's title, never in the sentence (issue 17). Empty for other messages.
    pub fn rule_link(&self, key_or_text: &str) -> String {
        let ids = self.rules_of(key_or_text);
        let link = |id: &str, text: &str| {
            format!("<a class=\"rule\" href=\"/reglas#{id}\" title=\"{id}\">{text}</a>")
        };
        match ids.as_slice() {
            [] => String::new(),
            [one] => format!(" {}", link(one, self.get("rules.link"))),
            many => format!(
                " <span class=\"rule\">{} {}</span>",
                self.get("rules.links"),
                many.iter()
                    .enumerate()
                    .map(|(i, id)| link(id, &(i + 1).to_string()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }

    pub fn money(&self, minor: i128) -> String {
        crate::shell::format::money_es_mx(minor)
    }

    /// A report period by its months: `marzo 2026`.
    pub fn period(&self, period: &fund::Period) -> String {
        crate::shell::format::period_in(
            (period.year(), period.first_month()),
            period.len_months(),
            self.lang,
        )
    }

    pub fn date(&self, date: &chrono::NaiveDate) -> String {
        crate::shell::format::date_in(*date, self.lang)
    }

    /// A moment as people in the ODF read it: the date and time in America/Mexico_City
    /// (UTC−6 all year since 2022), `5 dic 2026 12:04`.
    pub fn datetime(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        let local = crate::shell::format::mexico_city(*at);
        format!(
            "{} {}",
            crate::shell::format::date_in(local.date_naive(), self.lang),
            local.format("%H:%M")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_key_exists_in_both_languages_and_none_is_empty() {
        let c = &*CATALOGUE;
        let es: BTreeSet<_> = c.es.keys().collect();
        let en: BTreeSet<_> = c.en.keys().collect();
        let only_es: Vec<_> = es.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&es).collect();
        assert!(only_es.is_empty(), "missing in English: {only_es:?}");
        assert!(only_en.is_empty(), "missing in Spanish: {only_en:?}");
        for (k, v) in c.es.iter().chain(c.en.iter()) {
            assert!(!v.trim().is_empty(), "{k} is empty");
        }
    }

    /// Every `t.get("...")`, `t.fmt("...")` and `tr("...")` in the templates and sources names
    /// a key of the catalogue.
    #[test]
    fn every_key_used_is_in_the_catalogue() {
        let c = &*CATALOGUE;
        let mut missing = Vec::new();
        for (name, text) in sources() {
            for pattern in ["t.get(\"", "t.fmt(\"", "tr(\""] {
                for (i, _) in text.match_indices(pattern) {
                    let rest = &text[i + pattern.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if !c.es.contains_key(key) {
                        missing.push(format!("{name}: {key}"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys not in messages.toml: {missing:#?}"
        );
    }

    /// Templates hold markup and expressions only: once tags, `{{ }}`, `{% %}`, comments and
    /// entities are removed, no letters are left (all user text comes from the catalogue).
    #[test]
    fn templates_carry_no_hard_coded_text() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut offenders = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let stripped = strip_markup(&text);
            let letters: String = stripped
                .split_whitespace()
                .filter(|w| w.chars().any(|c| c.is_alphabetic()))
                .collect::<Vec<_>>()
                .join(" ");
            if !letters.is_empty() {
                offenders.push(format!("{}: {letters}", path.display()));
            }
        }
        assert!(offenders.is_empty(), "hard-coded text: {offenders:#?}");
    }

    fn strip_markup(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        // Script and style blocks are code, not text.
        loop {
            let next = ["<", "{{", "{%", "{#", "&"]
                .iter()
                .filter_map(|p| rest.find(p).map(|i| (i, *p)))
                .min();
            let Some((i, open)) = next else {
                out.push_str(rest);
                break;
            };
            out.push_str(&rest[..i]);
            out.push(' ');
            let close = match open {
                "<" => ">",
                "{{" => "}}",
                "{%" => "%}",
                "{#" => "#}",
                _ => ";",
            };
            match rest[i..].find(close) {
                Some(j) => rest = &rest[i + j + close.len()..],
                None => break,
            }
        }
        out
    }

    fn sources() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        // Modules are folders (`src/members/`, `src/shell/`): read them too.
        let mut dirs = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.file_name().is_some_and(|n| n == "i18n.rs") {
                    continue;
                }
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
        out
    }

    /// Issue 17: no message names a rule id in its text; the `[rules]` table does, for keys
    /// that exist, with ids the rules page lists.
    #[test]
    fn rule_ids_stay_out_of_sentences() {
        let c = &*CATALOGUE;
        let in_text: Vec<_> =
            c.es.iter()
                .chain(c.en.iter())
                .filter(|(_, v)| crate::shell::rules::mentions_rule_id(v))
                .map(|(k, _)| k.as_str())
                .collect();
        assert!(in_text.is_empty(), "rule ids in messages: {in_text:?}");
        for (key, ids) in &c.rules {
            assert!(c.es.contains_key(key), "[rules] names no message: {key}");
            for id in ids.split_whitespace() {
                assert!(
                    crate::shell::rules::title(id, Lang::Es).is_some(),
                    "unknown rule {id}"
                );
            }
        }
        let t = Tr::default();
        let link = t.rule_link("report.err.revenue");
        assert!(link.contains("href=\"/reglas#R-PLAN-2\"") && link.contains(">regla<"));
        // By its text too (a handler passes the message on as text).
        assert_eq!(t.rule_link(t.get("report.err.revenue")), link);
        assert_eq!(t.rule_link("nav.home"), "");
        assert!(t.rule_link("R-ORG-4").contains("href=\"/reglas#R-ORG-4\""));
    }

    #[test]
    fn times_are_shown_in_mexico_city() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T03:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        // 03:30 UTC is 21:30 of the day before, six hours west.
        assert_eq!(Tr::default().datetime(&at), "31 dic 2025 21:30");
    }

    #[test]
    fn english_is_selectable_and_spanish_is_the_default() {
        assert_eq!(Tr::default().get("nav.signout"), "Salir");
        assert_eq!(Tr::new(Lang::En).get("nav.signout"), "Sign out");
    }
}
