//! Who a page names instead of ids (issue 17): people by their login, members by id; shared
//! by the log (`audit`) and the board's proposals (`governance`).

use app::App;
use std::collections::{BTreeSet, HashMap};

/// Who and what the page names instead of ids (issue 17): people by login, members by id.
#[derive(Debug, Default)]
pub struct Names {
    pub users: HashMap<String, String>,
    pub members: HashMap<i64, String>,
}

impl Names {
    /// The names of these people (by login); what cannot be read keeps its login.
    pub async fn of_logins(app: &App, logins: impl IntoIterator<Item = String>) -> Names {
        let mut names = Names::default();
        for login in logins.into_iter().collect::<BTreeSet<_>>() {
            if let Ok(u) = app.user(&login).await {
                names.users.insert(login, u.viewer.display_name);
            }
        }
        names
    }

    /// Who made a change: their name, or what the actor is (`cli`, `demo`, `system`).
    pub fn actor(&self, t: crate::shell::Tr, actor: &str) -> String {
        match self.users.get(actor) {
            Some(name) => name.clone(),
            None => t
                .lookup(&format!("audit.actor.{actor}"))
                .map_or_else(|| actor.to_string(), str::to_string),
        }
    }
}
