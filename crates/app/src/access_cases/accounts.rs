//! Accounts for people without e-mail (issue 16): the programme's first run, the programme
//! administrator, accounts that start with a one-time activation code, the password policy,
//! changing one's password, and one's own sessions.
//!
//! - **Codes** are short, typed by hand from a printed slip: 10 characters of an alphabet
//!   without look-alikes (no 0/O, 1/I/L), shown as `ABCDE-FGHJK`. Only their SHA-256 (salted
//!   with what they open) is stored, in the event that issued them; a code is single use (the
//!   event that uses it is keyed by its hash, so a second use is a conflict) and expires.
//!   Wrong codes are rate-limited by the web shell like sign-in.
//! - **First run**: a server in production mode on a database with no programme
//!   administrator issues a set-up code (`setup.code-issued`, stream `setup`) and prints it to
//!   its log. Using it creates the administrator together with `setup:done`, so the first run
//!   happens once whatever the number of codes printed.
//! - **Passwords**: at least [`MIN_PASSWORD_CHARS`] characters, at most 200 bytes, refused when
//!   on the list of common passwords shipped in `data/common-passwords.txt` (the demo's
//!   published password is on it); no composition rules.
//! - **Sessions** are also noted in the user's stream (`user.session-opened`/`-ended`), so a
//!   person can list theirs and end one.

use super::users::{
    check_login, event, hash_password_blocking, json, parse, user_stream, verify_password,
    MAX_PASSWORD_BYTES,
};
use super::{sha256_hex, AccessError, Grant, OrgRole, User, Viewer};
use crate::{App, AppError};
use chrono::{DateTime, Duration, Utc};
use registry::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;
use store::{Commit, NewEvent, OrgId, Page, StoreError, StoredEvent, PROGRAMME_ORG};

/// The shortest password accepted, in characters (current guidance: 8, no composition rules).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// How long an activation code can be used after it was issued.
pub const ACTIVATION_TTL_DAYS: i64 = 14;
/// How long a set-up code can be used after the server printed it.
pub const SETUP_TTL_HOURS: i64 = 24;

/// Characters of a code: no 0/O, 1/I/L look-alikes.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 10;

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Whether a password is on the shipped list of common passwords (case-insensitive).
pub fn is_common_password(password: &str) -> bool {
    COMMON.contains(&password.trim().to_lowercase())
}

/// The password policy (issue 16): 8 characters or more, 200 bytes or fewer, not a common
/// password. Nothing else is required of it.
pub fn check_new_password(password: &str) -> Result<(), FieldError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(FieldError::new(
            "password",
            "must have at least 8 characters (and at most 200 bytes)",
        ));
    }
    if is_common_password(password) {
        return Err(FieldError::new(
            "password",
            "is on the list of common passwords; choose another",
        ));
    }
    Ok(())
}

/// A new random code, as printed: `ABCDE-FGHJK`.
fn new_code() -> Result<String, AppError> {
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - (256 % CODE_ALPHABET.len());
    let mut out = String::with_capacity(CODE_LEN + 1);
    while out.len() < CODE_LEN + 1 {
        let mut buf = [0u8; 32];
        getrandom::fill(&mut buf)
            .map_err(|e| AppError::Integrity(format!("random source: {e}")))?;
        for b in buf {
            if (b as usize) < limit && out.len() < CODE_LEN + 1 {
                if out.len() == CODE_LEN / 2 {
                    out.push('-');
                }
                out.push(CODE_ALPHABET[b as usize % CODE_ALPHABET.len()] as char);
            }
        }
    }
    Ok(out)
}

/// A code as typed, compared as printed: case, spaces and dashes do not matter.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// What is stored of a code: the SHA-256 of what it opens and the code itself.
fn code_hash(purpose: &str, code: &str) -> String {
    sha256_hex(format!("{purpose}:{}", normalise_code(code)).as_bytes())
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A code handed to a person once: on a slip, or in the server's log.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCode {
    pub login: String,
    pub display_name: String,
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingCode {
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub id: String,
    pub token_hash: String,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub origin: String,
    #[serde(default)]
    pub ended: bool,
}

#[derive(Serialize, Deserialize)]
struct PasswordSet {
    password_hash: String,
    /// Set with an activation code (its hash), or by the person themself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_hash: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct SessionEnded {
    id: String,
}

/// Folds issue 16's events of a user's stream into the user.
pub(crate) fn fold_account_event(u: &mut User, e: &StoredEvent) -> Result<(), AppError> {
    match e.event.kind.as_str() {
        "user.code-issued" => u.pending_code = Some(parse(&e.event.payload)?),
        "user.password-set" => {
            let p: PasswordSet = parse(&e.event.payload)?;
            u.password_hash = p.password_hash;
            u.passwords_set += 1;
            if p.code_hash.is_some() {
                u.pending_code = None;
            }
        }
        "user.session-opened" => u.sessions.push(parse(&e.event.payload)?),
        "user.session-ended" => {
            let p: SessionEnded = parse(&e.event.payload)?;
            if let Some(s) = u.sessions.iter_mut().find(|s| s.id == p.id) {
                s.ended = true;
            }
        }
        _ => {}
    }
    Ok(())
}

/// One of a person's sessions, as they see it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    /// A short id (the first 16 hex digits of the token's hash), to end it.
    pub id: String,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub origin: String,
    /// The session this request came with.
    pub current: bool,
}

/// An account given to someone in an ODF, as the ODF's list shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountRow {
    pub login: String,
    pub display_name: String,
    #[serde(default)]
    pub member_id: Option<i64>,
    pub roles: Vec<OrgRole>,
    pub created_at: DateTime<Utc>,
    /// Filled on reading: whether the person has chosen a password.
    #[serde(default)]
    pub active: bool,
}

pub(crate) fn accounts_stream(org_id: OrgId) -> String {
    format!("accounts:{org_id}")
}

/// The stream of programme administrators (one event each), read to know whether the first
/// run is still to be done.
const ADMINS_STREAM: &str = "programme-admins";
const SETUP_STREAM: &str = "setup";
const SETUP_DONE_KEY: &str = "setup:done";

pub(crate) fn session_short_id(token_hash: &str) -> String {
    token_hash[..16.min(token_hash.len())].to_string()
}

/// The `user.session-opened` event that goes with a new session.
pub(crate) fn session_opened_event(
    login: &str,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<NewEvent, AppError> {
    let stream = user_stream(login);
    let id = session_short_id(token_hash);
    Ok(event(
        &stream,
        "user.session-opened",
        format!("{stream}:session:{id}"),
        json(&SessionRecord {
            id,
            token_hash: token_hash.to_string(),
            opened_at: now,
            expires_at,
            origin: origin.to_string(),
            ended: false,
        })?,
        login,
        origin,
        now,
    ))
}

/// The events that end a session: its revocation and the note in the user's stream.
pub(crate) fn session_end_events(
    login: &str,
    token_hash: &str,
    actor: &str,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Vec<NewEvent>, AppError> {
    let key = format!("session:{token_hash}");
    let stream = user_stream(login);
    let id = session_short_id(token_hash);
    Ok(vec![
        event(
            &key,
            "session.revoked",
            format!("{key}:revoked"),
            "{}".to_string(),
            actor,
            origin,
            now,
        ),
        event(
            &stream,
            "user.session-ended",
            format!("{stream}:session:{id}:ended"),
            json(&SessionEnded { id })?,
            actor,
            origin,
            now,
        ),
    ])
}

fn code_event(
    login: &str,
    code_hash: &str,
    expires_at: DateTime<Utc>,
    actor: &str,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<NewEvent, AppError> {
    let stream = user_stream(login);
    Ok(event(
        &stream,
        "user.code-issued",
        format!("{stream}:code:{code_hash}"),
        json(&PendingCode {
            code_hash: code_hash.to_string(),
            expires_at,
        })?,
        actor,
        origin,
        now,
    ))
}

fn display_name_of(member: &registry::Member) -> String {
    format!("{} {}", member.data.given_names, member.data.surnames)
}

impl App {
    // ------------------------------------------------------------ first run

    /// Whether a programme administrator exists.
    pub async fn has_programme_admin(&self) -> Result<bool, AccessError> {
        let admins = self
            .store()
            .events(PROGRAMME_ORG, Some(ADMINS_STREAM), Page::first(1))
            .await?;
        Ok(!admins.is_empty())
    }

    /// Whether the first run waits for its set-up code: a code was issued and no
    /// administrator exists yet.
    pub async fn setup_pending(&self) -> Result<bool, AccessError> {
        if self.has_programme_admin().await? {
            return Ok(false);
        }
        let codes = self
            .store()
            .events(PROGRAMME_ORG, Some(SETUP_STREAM), Page::first(1))
            .await?;
        Ok(!codes.is_empty())
    }

    /// Issues a one-time set-up code when there is no programme administrator (the server
    /// prints it to its log); `None` when there is one. Each call issues a new code; any
    /// unexpired one works, once, and only until the administrator exists.
    pub async fn issue_setup_code(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<IssuedCode>, AccessError> {
        if self.has_programme_admin().await? {
            return Ok(None);
        }
        let code = new_code()?;
        let hash = code_hash("setup", &code);
        let expires_at = now + Duration::hours(SETUP_TTL_HOURS);
        let e = event(
            SETUP_STREAM,
            "setup.code-issued",
            format!("setup:code:{hash}"),
            json(&PendingCode {
                code_hash: hash.clone(),
                expires_at,
            })?,
            "system",
            "server",
            now,
        );
        self.commit_events(vec![e]).await?;
        Ok(Some(IssuedCode {
            login: String::new(),
            display_name: String::new(),
            code,
            expires_at,
        }))
    }

    /// The first run: with a valid set-up code, creates the programme administrator. A wrong,
    /// expired or used code is [`AccessError::Unauthenticated`] (the shell counts it against
    /// the rate limit); a bad login, name or password is a field error and uses nothing.
    pub async fn complete_setup(
        &self,
        code: &str,
        login: &str,
        display_name: &str,
        password: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Viewer, AccessError> {
        let hash = code_hash("setup", code);
        let issued = match self
            .store()
            .event_by_key(PROGRAMME_ORG, &format!("setup:code:{hash}"))
            .await
        {
            Ok(e) => e,
            Err(StoreError::NotFound { .. }) => return Err(AccessError::Unauthenticated),
            Err(e) => return Err(e.into()),
        };
        let issued: PendingCode = parse(&issued.event.payload)?;
        if issued.expires_at <= now || self.has_programme_admin().await? {
            return Err(AccessError::Unauthenticated);
        }
        check_new_password(password)?;
        let done = event(
            SETUP_STREAM,
            "setup.done",
            SETUP_DONE_KEY.to_string(),
            json(&serde_json::json!({ "login": login, "code_hash": hash }))?,
            login,
            origin,
            now,
        );
        self.create_admin_with(
            login,
            display_name,
            password,
            vec![done],
            login,
            origin,
            now,
        )
        .await
    }

    /// A programme administrator with a password (the terminal's `tequio user add --role
    /// programme-admin`): the password policy applies.
    pub async fn create_programme_admin(
        &self,
        login: &str,
        display_name: &str,
        password: &str,
        actor: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Viewer, AccessError> {
        check_new_password(password)?;
        self.create_admin_with(
            login,
            display_name,
            password,
            Vec::new(),
            actor,
            origin,
            now,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn create_admin_with(
        &self,
        login: &str,
        display_name: &str,
        password: &str,
        mut extra: Vec<NewEvent>,
        actor: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Viewer, AccessError> {
        extra.push(event(
            ADMINS_STREAM,
            "programme.admin-named",
            format!("programme-admin:{login}"),
            json(&serde_json::json!({ "login": login }))?,
            actor,
            origin,
            now,
        ));
        self.create_user_with(
            super::NewUser {
                login: login.to_string(),
                display_name: display_name.to_string(),
                password: String::new(),
                supervisor: false,
                grants: Vec::new(),
            },
            Some(password.to_string()),
            true,
            extra,
            actor,
            origin,
            now,
        )
        .await
    }

    // ------------------------------------------------------------ accounts with a code

    /// Creates an account that waits for its activation code, and the code (returned once).
    /// `extra` events are committed with it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn create_account_with_code(
        &self,
        login: &str,
        display_name: &str,
        supervisor: bool,
        grants: Vec<Grant>,
        mut extra: Vec<NewEvent>,
        actor: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedCode, AccessError> {
        let code = new_code()?;
        let hash = code_hash(&format!("activation:{login}"), &code);
        let expires_at = now + Duration::days(ACTIVATION_TTL_DAYS);
        extra.push(code_event(login, &hash, expires_at, actor, origin, now)?);
        let viewer = self
            .create_user_with(
                super::NewUser {
                    login: login.to_string(),
                    display_name: display_name.to_string(),
                    password: String::new(),
                    supervisor,
                    grants,
                },
                None,
                false,
                extra,
                actor,
                origin,
                now,
            )
            .await?;
        Ok(IssuedCode {
            login: viewer.login,
            display_name: viewer.display_name,
            code,
            expires_at,
        })
    }

    /// A programme supervisor's account (R-SUP-1), named by the programme administrator; it
    /// starts with an activation code.
    pub async fn create_supervisor_account(
        &self,
        by: &Viewer,
        login: &str,
        display_name: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedCode, AccessError> {
        require_admin(by)?;
        self.create_account_with_code(
            login,
            display_name,
            true,
            Vec::new(),
            Vec::new(),
            &by.login,
            origin,
            now,
        )
        .await
    }

    /// Staff give a member of the registry an account (issue 16): the member's roles come
    /// from the registry (a board seat in force adds the board's role, the support committee
    /// its own). One account per member (`accounts:{org}:member:{id}`).
    pub async fn create_member_account(
        &self,
        org_id: OrgId,
        by: &Viewer,
        member_ref: &str,
        login: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedCode, AccessError> {
        by.check(org_id, super::Action::ManageAccounts)?;
        let member = self.member_by_ref(org_id, member_ref).await?;
        if member.left_on.is_some() {
            return Err(FieldError::new("member", "has left the ODF").into());
        }
        let today = crate::fact_date::mexico_city_today(now);
        let roles = self.store().roles(org_id).await?;
        let mut org_roles = vec![OrgRole::Member];
        for r in roles.iter().filter(|r| {
            r.member_id == Some(member.id) && r.from <= today && r.until.is_none_or(|u| today < u)
        }) {
            let role = match r.role {
                registry::Role::BoardMember => OrgRole::Board,
                registry::Role::SupportCommittee => OrgRole::SupportCommittee,
                _ => continue,
            };
            if !org_roles.contains(&role) {
                org_roles.push(role);
            }
        }
        let grants: Vec<Grant> = org_roles
            .iter()
            .map(|&role| Grant {
                org_id,
                role,
                member_id: Some(member.id),
            })
            .collect();
        let name = display_name_of(&member);
        let stream = accounts_stream(org_id);
        let row = AccountRow {
            login: login.to_string(),
            display_name: name.clone(),
            member_id: Some(member.id),
            roles: org_roles,
            created_at: now,
            active: false,
        };
        if let Some(existing) = self
            .accounts(org_id)
            .await?
            .into_iter()
            .find(|a| a.member_id == Some(member.id))
        {
            return Err(FieldError::new(
                "member",
                format!("already has an account ({})", existing.login),
            )
            .into());
        }
        let listed = event(
            &stream,
            "account.created",
            format!("{stream}:member:{}", member.id),
            json(&row)?,
            &by.login,
            origin,
            now,
        );
        self.create_account_with_code(
            login,
            &name,
            false,
            grants,
            vec![listed],
            &by.login,
            origin,
            now,
        )
        .await
    }

    /// A member by id or CURP, in this ODF; a field error naming `member` otherwise.
    pub async fn member_by_ref(
        &self,
        org_id: OrgId,
        member_ref: &str,
    ) -> Result<registry::Member, AccessError> {
        let text = member_ref.trim();
        let found = match text.parse::<i64>() {
            Ok(id) => self.store().member(org_id, id).await,
            Err(_) => {
                self.store()
                    .member_by_curp(org_id, &text.to_uppercase())
                    .await
            }
        };
        match found {
            Ok(m) => Ok(m),
            Err(StoreError::NotFound { .. }) => Err(FieldError::new(
                "member",
                "is not a member of this ODF (a member number or CURP)",
            )
            .into()),
            Err(e) => Err(e.into()),
        }
    }

    /// The accounts given in an ODF (its Director General and members), oldest first, each
    /// with whether the person has chosen a password.
    pub async fn accounts(&self, org_id: OrgId) -> Result<Vec<AccountRow>, AccessError> {
        let stream = accounts_stream(org_id);
        let mut page = Page::first(store::MAX_PAGE);
        let mut rows = Vec::new();
        loop {
            let events = self
                .store()
                .events(PROGRAMME_ORG, Some(&stream), page)
                .await?;
            let Some(last) = events.last() else { break };
            page.after_id = last.seq;
            for e in &events {
                if e.event.kind == "account.created" {
                    rows.push(parse::<AccountRow>(&e.event.payload)?);
                }
            }
        }
        Ok(rows)
    }

    /// [`App::accounts`] with each account's state read from its user.
    pub async fn accounts_with_state(&self, org_id: OrgId) -> Result<Vec<AccountRow>, AccessError> {
        let mut rows = self.accounts(org_id).await?;
        for row in &mut rows {
            row.active = match self.user(&row.login).await {
                Ok(u) => !u.password_hash.is_empty(),
                Err(AccessError::NotFound) => false,
                Err(e) => return Err(e),
            };
        }
        Ok(rows)
    }

    /// A new activation code for someone who forgot their password (or never used the first
    /// one): staff for the accounts of their ODF's members, the programme administrator for
    /// supervisors and Directors General. The earlier code stops working; the password stays
    /// until the new code is used. Anyone else: NotFound, as for a login that does not exist.
    pub async fn reissue_code(
        &self,
        by: &Viewer,
        org_id: Option<OrgId>,
        login: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedCode, AccessError> {
        check_login(login)?;
        let user = self.user(login).await?;
        let allowed = match org_id {
            Some(org) => {
                by.check(org, super::Action::ManageAccounts)?;
                self.accounts(org)
                    .await?
                    .iter()
                    .any(|a| a.login == login && a.member_id.is_some())
            }
            None => {
                by.admin
                    && !user.viewer.admin
                    && !user.demo
                    && (user.viewer.supervisor
                        || user.viewer.grants.iter().all(|g| g.role == OrgRole::Staff))
            }
        };
        if !allowed {
            return Err(AccessError::NotFound);
        }
        let code = new_code()?;
        let hash = code_hash(&format!("activation:{login}"), &code);
        let expires_at = now + Duration::days(ACTIVATION_TTL_DAYS);
        self.commit_events(vec![code_event(
            login, &hash, expires_at, &by.login, origin, now,
        )?])
        .await?;
        Ok(IssuedCode {
            login: login.to_string(),
            display_name: user.viewer.display_name,
            code,
            expires_at,
        })
    }

    /// The person uses their activation code once to choose a password. A wrong, replaced,
    /// expired or used code is [`AccessError::Unauthenticated`] (never says which; the shell
    /// rate-limits it like sign-in); a password against the policy is a field error and the
    /// code stays usable.
    pub async fn activate(
        &self,
        login: &str,
        code: &str,
        password: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AccessError> {
        if check_login(login).is_err() {
            return Err(AccessError::Unauthenticated);
        }
        let user = match self.user(login).await {
            Ok(u) => u,
            Err(AccessError::NotFound) => return Err(AccessError::Unauthenticated),
            Err(e) => return Err(e),
        };
        let hash = code_hash(&format!("activation:{login}"), code);
        let Some(pending) = user.pending_code.filter(|p| same(&p.code_hash, &hash)) else {
            return Err(AccessError::Unauthenticated);
        };
        if pending.expires_at <= now || user.demo {
            return Err(AccessError::Unauthenticated);
        }
        check_new_password(password)?;
        let password_hash = hash_password_blocking(password.to_string()).await?;
        let stream = user_stream(login);
        let e = event(
            &stream,
            "user.password-set",
            format!("{stream}:code:{hash}:used"),
            json(&PasswordSet {
                password_hash,
                code_hash: Some(hash),
            })?,
            login,
            origin,
            now,
        );
        match self.commit_events(vec![e]).await {
            Ok(_) => Ok(()),
            // The same code used a moment ago by another request: used, so refused.
            Err(AppError::Store(StoreError::Conflict { .. })) => Err(AccessError::Unauthenticated),
            Err(e) => Err(e.into()),
        }
    }

    /// Everyone changes their own password with their current one. Their other sessions end
    /// in the same commit (`keep` is the token hash of the session asking, if any); answers
    /// the token hashes of the sessions it ended.
    pub async fn change_password(
        &self,
        login: &str,
        current: &str,
        new: &str,
        keep: Option<&str>,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, AccessError> {
        let user = self.user(login).await?;
        let hash = user.password_hash.clone();
        let current = current.to_string();
        self.password_checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ok = !hash.is_empty()
            && current.len() <= MAX_PASSWORD_BYTES
            && tokio::task::spawn_blocking(move || verify_password(&current, &hash))
                .await
                .map_err(|e| AppError::Integrity(format!("verify task: {e}")))?;
        if !ok {
            return Err(FieldError::new("current_password", "is not your current password").into());
        }
        if user.demo {
            return Err(FieldError::new("password", "the demo's users keep its password").into());
        }
        check_new_password(new)?;
        let password_hash = hash_password_blocking(new.to_string()).await?;
        let stream = user_stream(login);
        let mut events = vec![event(
            &stream,
            "user.password-set",
            format!("{stream}:password:{}", user.passwords_set + 1),
            json(&PasswordSet {
                password_hash,
                code_hash: None,
            })?,
            login,
            origin,
            now,
        )];
        let mut ended = Vec::new();
        for s in live_sessions(&user, now) {
            if Some(s.token_hash.as_str()) != keep {
                events.extend(session_end_events(
                    login,
                    &s.token_hash,
                    login,
                    origin,
                    now,
                )?);
                ended.push(s.token_hash.clone());
            }
        }
        self.commit_events(events).await?;
        Ok(ended)
    }

    /// A person's live sessions, newest first; `current` marks the one with this token hash.
    pub async fn sessions_of(
        &self,
        login: &str,
        current: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionRow>, AccessError> {
        let user = self.user(login).await?;
        let mut rows: Vec<SessionRow> = live_sessions(&user, now)
            .map(|s| SessionRow {
                id: s.id.clone(),
                opened_at: s.opened_at,
                expires_at: s.expires_at,
                origin: s.origin.clone(),
                current: Some(s.token_hash.as_str()) == current,
            })
            .collect();
        rows.reverse();
        Ok(rows)
    }

    /// Ends one of the person's own sessions by its short id; answers its token hash (so the
    /// shell can drop it from its cache). Another person's id is NotFound.
    pub async fn end_session(
        &self,
        login: &str,
        id: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<String, AccessError> {
        let user = self.user(login).await?;
        let Some(s) = user.sessions.iter().find(|s| s.id == id) else {
            return Err(AccessError::NotFound);
        };
        let hash = s.token_hash.clone();
        self.commit_events(session_end_events(login, &hash, login, origin, now)?)
            .await?;
        Ok(hash)
    }

    /// The organisations a demo user may see: every one but those the programme
    /// administrator created (`org.created` events).
    pub(crate) async fn demo_scope(
        &self,
    ) -> Result<std::collections::BTreeSet<OrgId>, AccessError> {
        let created: HashSet<OrgId> = self.created_org_ids().await?.into_iter().collect();
        Ok(self
            .store()
            .orgs()
            .await?
            .into_iter()
            .map(|o| o.id)
            .filter(|id| !created.contains(id))
            .collect())
    }

    pub(crate) async fn commit_events(
        &self,
        events: Vec<NewEvent>,
    ) -> Result<store::Committed, AppError> {
        Ok(self
            .store()
            .commit(
                PROGRAMME_ORG,
                &Commit {
                    events,
                    ..Commit::default()
                },
            )
            .await?)
    }
}

fn live_sessions(user: &User, now: DateTime<Utc>) -> impl Iterator<Item = &SessionRecord> {
    user.sessions
        .iter()
        .filter(move |s| !s.ended && s.expires_at > now)
}

pub(crate) fn require_admin(by: &Viewer) -> Result<(), AccessError> {
    if by.admin {
        Ok(())
    } else {
        Err(AccessError::Forbidden {
            rule: "R-SUP-1",
            action: "administer the programme".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_policy_is_length_and_the_common_list_only() {
        assert!(check_new_password("siete77").is_err(), "7 characters");
        assert!(check_new_password("ocho8888").is_ok(), "8 characters");
        // No composition rules: all lower case, all digits or all one letter class is fine.
        assert!(check_new_password("barro de la sierra").is_ok());
        assert!(check_new_password("93817465").is_ok());
        // Accented letters count as one character each: "cañón" + "ñúé" is 8 characters.
        assert!(check_new_password("cañónñúé").is_ok());
        for common in [
            "password",
            "12345678",
            "qwertyuiop",
            "contraseña",
            "PASSWORD1",
        ] {
            let e = check_new_password(common).unwrap_err();
            assert_eq!(e.field, "password", "{common}");
        }
        assert!(
            is_common_password(super::super::DEMO_PASSWORD),
            "the demo's published password is refused for every real account"
        );
        assert!(
            check_new_password(&"x".repeat(201)).is_err(),
            "over 200 bytes"
        );
    }

    #[test]
    fn codes_are_ten_unambiguous_characters_and_compare_as_typed() {
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let c = new_code().unwrap();
            assert_eq!(c.len(), 11, "{c}");
            assert_eq!(&c[5..6], "-");
            assert!(normalise_code(&c)
                .bytes()
                .all(|b| CODE_ALPHABET.contains(&b)));
            assert!(seen.insert(c));
        }
        let h = code_hash("activation:ana", "ABCDE-FGHJK");
        assert_eq!(h, code_hash("activation:ana", " abcde fghjk "));
        assert_ne!(
            h,
            code_hash("activation:bea", "ABCDE-FGHJK"),
            "salted by login"
        );
        assert_eq!(h.len(), 64, "only the SHA-256 is kept");
    }
}
