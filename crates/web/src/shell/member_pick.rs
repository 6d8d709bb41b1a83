//! Choosing a member on a form (issue 18: "a dropdown of members lists every member"): a text
//! box, never a select of 4,000 names. A person types a name or a member's number; as they
//! type, htmx fills the box's `<datalist>` with up to [`SUGGESTIONS`] active members whose
//! name or CURP holds what was typed (`GET /odf/{slug}/socios/opciones`, see
//! [`suggestions`]); without JavaScript the box takes the same text. The server resolves the
//! text ([`resolve`]): a number (`12`) or a suggestion (`Ana López (12)`) is that member; a
//! name is the one member it names (exactly, any case and accents, else the only member whose
//! name holds it). None, or several, is refused naming the field.

use crate::shell::{check, visible_org, Ctx, PageError, PageResult, Tr};
use crate::AppState;
use app::access_cases::Action;
use app::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use std::collections::HashMap;
use store::OrgId;

/// How many members the datalist suggests at a time.
pub(crate) const SUGGESTIONS: usize = 20;

/// Why a typed member was not resolved.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// Nothing typed, or no member by that name or number.
    None,
    /// The name is held by this many members: type more of it, or choose from the list.
    Several(usize),
}

impl Unresolved {
    /// What to fix, in the page's language (for a form that shows the field's label itself).
    pub(crate) fn sentence(&self, t: Tr) -> String {
        match self {
            Unresolved::None => t.get("trade18.pick.none").to_string(),
            Unresolved::Several(n) => t.fmt("trade18.pick.several", &n.to_string()),
        }
    }

    /// The refusal shown next to the field labelled `label`, naming it.
    pub(crate) fn message(&self, t: Tr, label: &str) -> String {
        format!("{label}: {}", self.sentence(t))
    }
}

/// The member's number in a typed text: the whole text (`12`), or a suggestion's `(12)`.
fn typed_number(text: &str) -> Option<i64> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(n);
    }
    let inner = text.strip_suffix(')')?;
    let (_, n) = inner.rsplit_once('(')?;
    n.trim().parse().ok()
}

/// A member as the datalist suggests them, and as [`resolve`] reads them back.
pub(crate) fn suggestion(given_names: &str, surnames: &str, id: i64) -> String {
    format!("{given_names} {surnames} ({id})")
}

/// The member `text` names in the ODF (see the module's comment). Store failures are the
/// page's.
pub(crate) async fn resolve(
    state: &AppState,
    t: Tr,
    org_id: OrgId,
    text: &str,
) -> Result<Result<i64, Unresolved>, PageError> {
    resolve_app(state, org_id, text)
        .await
        .map_err(|e| PageError::from_app(t, e))
}

/// [`resolve`] for a caller that answers the app's errors itself.
pub(crate) async fn resolve_app(
    state: &AppState,
    org_id: OrgId,
    text: &str,
) -> Result<Result<i64, Unresolved>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Err(Unresolved::None));
    }
    if let Some(id) = typed_number(text) {
        return match state.app.store().member(org_id, id).await {
            Ok(_) => Ok(Ok(id)),
            Err(store::StoreError::NotFound { .. }) => Ok(Err(Unresolved::None)),
            Err(e) => Err(e.into()),
        };
    }
    let found = state
        .app
        .search_members(org_id, text, 0, app::registry_cases::MAX_SEARCH_SCAN)
        .await?;
    let wanted = registry::fold_for_search(text);
    let exact: Vec<i64> = found
        .members
        .iter()
        .filter(|m| {
            registry::fold_for_search(&format!("{} {}", m.data.given_names, m.data.surnames))
                == wanted
        })
        .map(|m| m.id)
        .collect();
    Ok(match (exact.as_slice(), found.members.as_slice()) {
        ([id], _) => Ok(*id),
        ([], [only]) => Ok(only.id),
        ([], []) => Err(Unresolved::None),
        ([], _) => Err(Unresolved::Several(found.total)),
        (several, _) => Err(Unresolved::Several(several.len())),
    })
}

/// What a form's member box shows again: a bare number as its suggestion (`Ana López (12)`),
/// anything else as typed.
pub(crate) async fn shown(state: &AppState, org_id: OrgId, text: &str) -> String {
    match text.trim().parse::<i64>() {
        Ok(id) => match state.app.store().member(org_id, id).await {
            Ok(m) => suggestion(&m.data.given_names, &m.data.surnames, id),
            Err(_) => text.to_string(),
        },
        Err(_) => text.to_string(),
    }
}

#[derive(Template)]
#[template(
    source = "{% for o in options %}<option value=\"{{ o }}\"></option>{% endfor %}",
    ext = "html"
)]
struct Options {
    options: Vec<String>,
}

/// `GET /odf/{slug}/socios/opciones?<any>=text`: the datalist's options, up to
/// [`SUGGESTIONS`] active members whose name or CURP holds the text (staff, board,
/// supervisors: those who see the members list). The box's own name is the parameter.
pub(crate) async fn suggestions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let text = q.values().map(|v| v.trim()).find(|v| !v.is_empty());
    let mut options = Vec::new();
    if let Some(text) = text.filter(|s| typed_number(s).is_none()) {
        let today = crate::shell::today_mx();
        let found = state
            .app
            .search_members(org.id, text, 0, app::registry_cases::MAX_SEARCH_SCAN)
            .await
            .map_err(|e| PageError::from_app(t, e))?;
        options = found
            .members
            .iter()
            .filter(|m| m.is_active_on(today))
            .take(SUGGESTIONS)
            .map(|m| suggestion(&m.data.given_names, &m.data.surnames, m.id))
            .collect();
    }
    Ok(crate::shell::render(Options { options }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_or_a_suggestion_names_the_member() {
        assert_eq!(typed_number("12"), Some(12));
        assert_eq!(typed_number("Ana López (12)"), Some(12));
        assert_eq!(typed_number("Ana López ( 7 )"), Some(7));
        assert_eq!(typed_number("Ana López"), None);
        assert_eq!(typed_number("Ana (López)"), None);
        assert_eq!(
            typed_number(&suggestion("Ana", "López Díaz", 4001)),
            Some(4001)
        );
    }
}
