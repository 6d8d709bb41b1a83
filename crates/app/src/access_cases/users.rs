//! Users at programme level: created with an argon2 password hash, granted roles per ODF.

use super::{AccessError, Grant, OrgRole, Viewer};
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use registry::FieldError;
use serde::{Deserialize, Serialize};
use store::{Commit, NewEvent, Page, StoreError, PROGRAMME_ORG};

/// The password of every demo user (documented in crates/web/README.md); never used for a
/// user created any other way.
pub const DEMO_PASSWORD: &str = "tequio-demo-2026";

/// The demo union's slug (crate `demo`, organisation 0).
pub const DEMO_UNION_SLUG: &str = "alfareros-morelos";

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub password: String,
    pub supervisor: bool,
    pub grants: Vec<Grant>,
}

/// A user as folded from their events.
#[derive(Debug, Clone)]
pub struct User {
    pub viewer: Viewer,
    /// Empty until the person chose a password with their activation code (issue 16).
    pub(crate) password_hash: String,
    /// Created by the demo loader: their published password opens the demo union only.
    pub demo: bool,
    /// The activation code waiting to be used, if any (only its hash).
    pub(crate) pending_code: Option<super::accounts::PendingCode>,
    /// How many times a password was set (the next one's key).
    pub(crate) passwords_set: u32,
    /// Sessions opened, newest last (ended ones included; see `App::sessions_of`).
    pub(crate) sessions: Vec<super::accounts::SessionRecord>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct UserCreated {
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub supervisor: bool,
    /// The programme administrator (issue 16): creates ODFs, names supervisors and directors.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin: bool,
}

pub(crate) fn user_stream(login: &str) -> String {
    format!("user:{login}")
}

pub(crate) fn check_login(login: &str) -> Result<(), FieldError> {
    let ok = (3..=40).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "login",
            "must be 3 to 40 characters of a-z, 0-9, '.', '_' or '-'",
        ))
    }
}

/// The longest password accepted, in bytes.
pub(crate) const MAX_PASSWORD_BYTES: usize = 200;

/// Hashes a password with argon2id (default parameters) and a random salt.
pub(crate) fn hash_password(password: &str) -> Result<String, AppError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Integrity(format!("random source: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Integrity(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Integrity(format!("argon2: {e}")))
}

/// [`hash_password`] off the async runtime's threads.
pub(crate) async fn hash_password_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Integrity(format!("hashing task: {e}")))?
}

/// Checks a password against a stored hash (constant time inside argon2).
pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

impl App {
    /// Creates a user with their roles in one commit. The login is unique: creating it again
    /// is a conflict naming the field. Every grant's ODF must exist, and member and board
    /// grants must name a member of that ODF.
    pub async fn create_user(
        &self,
        user: NewUser,
        actor: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Viewer, AccessError> {
        super::accounts::check_new_password(&user.password)?;
        let password = user.password.clone();
        self.create_user_with(user, Some(password), false, Vec::new(), actor, origin, now)
            .await
    }

    /// Creates a user: with a password (hashed here), or with none (`None`: the account
    /// waits for its activation code, which `extra` carries). `extra` events are committed
    /// with the user (programme-level), so the account and what it belongs to appear
    /// together or not at all. The password policy is the caller's.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn create_user_with(
        &self,
        user: NewUser,
        password: Option<String>,
        admin: bool,
        extra: Vec<NewEvent>,
        actor: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Viewer, AccessError> {
        check_login(&user.login)?;
        let display_name = user.display_name.trim().to_string();
        registry::check_text("display_name", &display_name, false)?;
        if display_name.is_empty() || display_name.chars().count() > 120 {
            return Err(FieldError::new("display_name", "must have 1 to 120 characters").into());
        }
        for g in &user.grants {
            self.store().org(g.org_id).await.map_err(|_| {
                FieldError::new("grants.org_id", format!("ODF {} does not exist", g.org_id))
            })?;
            match (g.role, g.member_id) {
                (OrgRole::Member, None) => {
                    return Err(FieldError::new(
                        "grants.member_id",
                        "a member grant names the member",
                    )
                    .into())
                }
                (_, Some(id)) => {
                    self.store().member(g.org_id, id).await.map_err(|_| {
                        FieldError::new(
                            "grants.member_id",
                            format!("member {id} is not in ODF {}", g.org_id),
                        )
                    })?;
                }
                _ => {}
            }
        }
        let key = user_stream(&user.login);
        match self.store().event_by_key(PROGRAMME_ORG, &key).await {
            Ok(_) => return Err(FieldError::new("login", "is already taken").into()),
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let password_hash = match password {
            Some(p) => hash_password_blocking(p).await?,
            None => String::new(),
        };
        let created = UserCreated {
            login: user.login.clone(),
            display_name: display_name.clone(),
            password_hash,
            supervisor: user.supervisor,
            admin,
        };
        let mut events = vec![event(
            &key,
            "user.created",
            key.clone(),
            json(&created)?,
            actor,
            origin,
            now,
        )];
        for g in &user.grants {
            events.push(event(
                &key,
                "user.granted",
                format!(
                    "{key}:grant:{}:{}:{}",
                    g.org_id,
                    g.role.as_str(),
                    g.member_id.unwrap_or(0)
                ),
                json(g)?,
                actor,
                origin,
                now,
            ));
        }
        events.extend(extra);
        self.store()
            .commit(
                PROGRAMME_ORG,
                &Commit {
                    events,
                    ..Commit::default()
                },
            )
            .await?;
        Ok(Viewer {
            login: user.login,
            display_name,
            supervisor: user.supervisor,
            admin,
            scope: None,
            grants: user.grants,
        })
    }

    /// The user with this login, folded from their events; NotFound when there is none.
    pub async fn user(&self, login: &str) -> Result<User, AccessError> {
        let stream = user_stream(login);
        let mut page = Page::first(store::MAX_PAGE);
        let mut user: Option<User> = None;
        loop {
            let events = self
                .store()
                .events(PROGRAMME_ORG, Some(&stream), page)
                .await?;
            let Some(last) = events.last() else { break };
            page.after_id = last.seq;
            for e in &events {
                match e.event.kind.as_str() {
                    "user.created" => {
                        let c: UserCreated = parse(&e.event.payload)?;
                        user = Some(User {
                            viewer: Viewer {
                                login: c.login,
                                display_name: c.display_name,
                                supervisor: c.supervisor,
                                admin: c.admin,
                                scope: None,
                                grants: Vec::new(),
                            },
                            password_hash: c.password_hash,
                            demo: e.event.actor == "demo",
                            pending_code: None,
                            passwords_set: 0,
                            sessions: Vec::new(),
                        });
                    }
                    "user.granted" => {
                        if let Some(u) = user.as_mut() {
                            let g: Grant = parse(&e.event.payload)?;
                            if !u.viewer.grants.contains(&g) {
                                u.viewer.grants.push(g);
                            }
                        }
                    }
                    _ => {
                        if let Some(u) = user.as_mut() {
                            super::accounts::fold_account_event(u, e)?;
                        }
                    }
                }
            }
        }
        let mut user = user.ok_or(AccessError::NotFound)?;
        if user.demo {
            // Issue 16: the demo's published password opens the demo organisations only,
            // never one the programme administrator created.
            user.viewer.scope = Some(self.demo_scope().await?);
        }
        Ok(user)
    }

    /// Demo users for the first demo organisation, so someone can sign in
    /// (crates/web/README.md lists them). Idempotent: users that exist are left alone.
    pub async fn ensure_demo_users(&self, now: DateTime<Utc>) -> Result<usize, AccessError> {
        // Only the demo union (its slug is the generator's); never a real organisation.
        let org = match self.store().org_by_slug(DEMO_UNION_SLUG).await {
            Ok(org) => org,
            Err(StoreError::NotFound { .. }) => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let members = self.store().members(org.id, Page::first(10)).await?;
        let roles = self.store().roles(org.id).await?;
        // Every board seat held by a member gets a user: `consejo`, `consejo2`, ...
        let board_members: Vec<i64> = roles
            .iter()
            .filter(|r| r.role == registry::Role::BoardMember && r.until.is_none())
            .filter_map(|r| r.member_id)
            .collect();
        let plain_member = members.iter().map(|m| m.id).find(|id| {
            !roles
                .iter()
                .any(|r| r.member_id == Some(*id) && r.role == registry::Role::BoardMember)
        });
        let grant = |role, member_id| Grant {
            org_id: org.id,
            role,
            member_id,
        };
        let mut wanted: Vec<(&str, &str, bool, Vec<Grant>)> = vec![
            ("supervisor", "Supervisión del programa", true, vec![]),
            (
                "personal",
                "Personal de la ODF",
                false,
                vec![grant(OrgRole::Staff, None)],
            ),
            (
                "apoyo",
                "Comité de apoyo",
                false,
                vec![grant(OrgRole::SupportCommittee, None)],
            ),
            (
                "donante",
                "Donante",
                false,
                vec![grant(OrgRole::Donor, None)],
            ),
            (
                "asesor",
                "Asesoría",
                false,
                vec![grant(OrgRole::Adviser, None)],
            ),
        ];
        let board_logins: Vec<(String, String)> = (0..board_members.len())
            .map(|i| {
                if i == 0 {
                    ("consejo".to_string(), "Consejo directivo".to_string())
                } else {
                    (
                        format!("consejo{}", i + 1),
                        format!("Consejo directivo ({})", i + 1),
                    )
                }
            })
            .collect();
        for ((login, name), id) in board_logins.iter().zip(&board_members) {
            wanted.push((
                login,
                name,
                false,
                vec![
                    grant(OrgRole::Board, Some(*id)),
                    grant(OrgRole::Member, Some(*id)),
                ],
            ));
        }
        if let Some(id) = plain_member {
            wanted.push((
                "socio",
                "Socio",
                false,
                vec![grant(OrgRole::Member, Some(id))],
            ));
        }
        let mut created = 0;
        for (login, name, supervisor, grants) in wanted {
            match self.user(login).await {
                Ok(_) => continue,
                Err(AccessError::NotFound) => {}
                Err(e) => return Err(e),
            }
            // The demo password is on the common-password list on purpose (no real account
            // may choose it), so the demo's users skip the policy.
            self.create_user_with(
                NewUser {
                    login: login.to_string(),
                    display_name: name.to_string(),
                    password: DEMO_PASSWORD.to_string(),
                    supervisor,
                    grants,
                },
                Some(DEMO_PASSWORD.to_string()),
                false,
                Vec::new(),
                "demo",
                "demo",
                now,
            )
            .await?;
            created += 1;
        }
        Ok(created)
    }
}

pub(crate) fn event(
    stream: &str,
    kind: &str,
    key: String,
    payload: String,
    actor: &str,
    origin: &str,
    now: DateTime<Utc>,
) -> NewEvent {
    NewEvent {
        stream: stream.to_string(),
        kind: kind.to_string(),
        key,
        payload,
        actor: actor.to_string(),
        origin: origin.to_string(),
        recorded_at: now,
    }
}

pub(crate) fn json<T: Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Integrity(format!("json: {e}")))
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(payload: &str) -> Result<T, AppError> {
    serde_json::from_str(payload).map_err(|e| AppError::Integrity(format!("event payload: {e}")))
}
