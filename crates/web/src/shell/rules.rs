//! The programme's rules by id (`data/rules.toml`, from the mission's PROGRAMME.md) and the
//! `/reglas` page listing them. Issue 17: a message that rests on a rule says it in words and
//! carries a small "regla" link here ([`crate::shell::Tr::rule_link`]); the id itself stays out
//! of sentences.

use crate::shell::{render, Ctx, Lang, Nav, Tr};
use askama::Template;
use axum::response::Response;
use std::sync::LazyLock;

/// One rule: its id and a short title in each language.
#[derive(Debug, serde::Deserialize)]
pub struct Rule {
    pub id: String,
    pub es: String,
    pub en: String,
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    #[derive(serde::Deserialize)]
    struct File {
        rule: Vec<Rule>,
    }
    toml::from_str::<File>(include_str!("../../data/rules.toml"))
        .expect("data/rules.toml is valid")
        .rule
});

/// The rule's title in `lang`; `None` for an id the programme does not have.
#[cfg(test)]
pub fn title(id: &str, lang: Lang) -> Option<&'static str> {
    RULES.iter().find(|r| r.id == id).map(|r| match lang {
        Lang::Es => r.es.as_str(),
        Lang::En => r.en.as_str(),
    })
}

/// Whether `text` names a rule id (`R-` capitals `-` digits, as `R-PLAN-2`).
#[cfg(test)]
pub fn mentions_rule_id(text: &str) -> bool {
    text.match_indices("R-").any(|(i, _)| {
        let rest = &text[i + 2..];
        let letters = rest.chars().take_while(char::is_ascii_uppercase).count();
        letters > 0
            && rest[letters..].starts_with('-')
            && rest[letters + 1..].starts_with(|c: char| c.is_ascii_digit())
    })
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    t: Tr,
    nav: Nav,
    rules: Vec<(&'static str, &'static str)>,
}

/// `/reglas`: every rule with its title, an anchor per id. Open to anyone (it shows no data).
pub async fn rules_page(ctx: Ctx) -> Response {
    let t = ctx.t;
    let nav = match &ctx.session {
        Some(s) => Nav::for_session(t, s, None),
        None => Nav::anonymous(t),
    };
    let rules = RULES
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                match t.lang {
                    Lang::Es => r.es.as_str(),
                    Lang::En => r.en.as_str(),
                },
            )
        })
        .collect();
    render(RulesPage { t, nav, rules })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_both_titles_and_ids_are_found_in_text() {
        assert_eq!(RULES.len(), 37);
        assert!(RULES.iter().all(|r| !r.es.is_empty() && !r.en.is_empty()));
        assert!(title("R-PLAN-2", Lang::Es).is_some_and(|t| t.contains("reportan")));
        assert!(title("R-NONE-1", Lang::Es).is_none());
        assert!(mentions_rule_id("no se puede (R-PLAN-2)."));
        assert!(mentions_rule_id("R-SELL-3"));
        assert!(!mentions_rule_id("R-2 R- R-abc-1 R-ABC-"));
    }
}
