//! The programme administrator creates ODFs (issue 16, R-ORG-1): the organisation, its chart
//! of accounts, an `org.created` event in the programme's log (organisation 0, stream `orgs`,
//! key `org:{slug}:created`) and, when named, its Director General's account (staff, with an
//! activation code). Idempotent: the same request again changes nothing and answers the
//! organisation; the same slug with other data is a conflict naming `slug`.

use super::accounts::{accounts_stream, require_admin, AccountRow, IssuedCode};
use super::users::{check_login, event, json, parse};
use super::{AccessError, Grant, OrgRole, Viewer};
use crate::App;
use chrono::{DateTime, NaiveDate, Utc};
use ledger::Currency;
use registry::FieldError;
use serde::{Deserialize, Serialize};
use store::{NewOrg, Org, OrgId, Page, StoreError, PROGRAMME_ORG};

const ORGS_STREAM: &str = "orgs";

/// What the administrator fills in to create an ODF.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct NewOrgRequest {
    pub slug: String,
    pub name: String,
    /// The project group (the producers' group behind the ODF).
    pub group_name: String,
    pub state: String,
    pub municipality: String,
    pub trade: String,
    pub founded_on: NaiveDate,
    /// ISO 4217, e.g. MXN.
    pub currency: String,
    /// The Director General's login and name: their staff account starts with an activation
    /// code. Optional (named later when absent).
    #[serde(default)]
    pub director_login: Option<String>,
    #[serde(default)]
    pub director_name: Option<String>,
}

/// What creating an ODF did.
#[derive(Debug, Clone, Serialize)]
pub struct OrgCreated {
    pub org_id: OrgId,
    pub slug: String,
    /// False when the same request had been made before: nothing was written.
    pub created: bool,
    /// The Director General's activation code, when their account was created now.
    pub director: Option<IssuedCode>,
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim().to_string();
    registry::check_text(field, &v, false)?;
    if v.is_empty() || v.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must have 1 to {max} characters"),
        ));
    }
    Ok(v)
}

fn check_slug(slug: &str) -> Result<(), FieldError> {
    let ok = (3..=60).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "slug",
            "must be 3 to 60 characters of a-z, 0-9 and '-'",
        ))
    }
}

impl NewOrgRequest {
    /// The organisation to store, every field checked (the first bad one is named).
    pub fn validate(&self, today: NaiveDate) -> Result<NewOrg, FieldError> {
        let slug = self.slug.trim().to_string();
        check_slug(&slug)?;
        let org = NewOrg {
            slug,
            name: text("name", &self.name, 200)?,
            group_name: text("group_name", &self.group_name, 200)?,
            state: text("state", &self.state, 100)?,
            municipality: text("municipality", &self.municipality, 100)?,
            trade: text("trade", &self.trade, 100)?,
            founded_on: self.founded_on,
            currency: Currency::parse(self.currency.trim())
                .map_err(|_| FieldError::new("currency", "is not an ISO 4217 currency code"))?,
            dues_amount_minor: 0,
            dues_period_months: 1,
        };
        if org.founded_on > today {
            return Err(FieldError::new("founded_on", "may not be after today"));
        }
        match (&self.director_login, &self.director_name) {
            (Some(l), Some(n)) if !l.trim().is_empty() || !n.trim().is_empty() => {
                check_login(l.trim())?;
                text("director_name", n, 120)?;
            }
            (Some(l), None) if !l.trim().is_empty() => {
                return Err(FieldError::new(
                    "director_name",
                    "names the Director General",
                ))
            }
            _ => {}
        }
        Ok(org)
    }

    fn director(&self) -> Option<(String, String)> {
        let login = self.director_login.as_deref().unwrap_or("").trim();
        let name = self.director_name.as_deref().unwrap_or("").trim();
        (!login.is_empty()).then(|| (login.to_string(), name.to_string()))
    }
}

impl App {
    /// The ids of the organisations the programme administrator created, oldest first.
    pub async fn created_org_ids(&self) -> Result<Vec<OrgId>, AccessError> {
        #[derive(Deserialize)]
        struct Created {
            org_id: OrgId,
        }
        let mut page = Page::first(store::MAX_PAGE);
        let mut ids = Vec::new();
        loop {
            let events = self
                .store()
                .events(PROGRAMME_ORG, Some(ORGS_STREAM), page)
                .await?;
            let Some(last) = events.last() else { break };
            page.after_id = last.seq;
            for e in &events {
                if e.event.kind == "org.created" {
                    ids.push(parse::<Created>(&e.event.payload)?.org_id);
                }
            }
        }
        Ok(ids)
    }

    /// Creates an ODF as the programme administrator (page and API).
    pub async fn create_org_as(
        &self,
        by: &Viewer,
        request: &NewOrgRequest,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<OrgCreated, AccessError> {
        require_admin(by)?;
        self.create_org(request, &by.login, origin, now).await
    }

    /// Creates an ODF (the terminal: `tequio org create`, actor `cli`). See the module.
    pub async fn create_org(
        &self,
        request: &NewOrgRequest,
        actor: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<OrgCreated, AccessError> {
        let today = crate::fact_date::mexico_city_today(now);
        let data = request.validate(today)?;
        // The store answers the organisation there when it has the same data (a replay,
        // nothing written) and refuses other data under the slug, naming the field (issue 21).
        let org = match self.store().create_org(&data).await {
            Ok(org) => org,
            Err(StoreError::Conflict { .. }) => {
                let there = self.store().org_by_slug(&data.slug).await?;
                let differs = there.data.first_difference(&data).unwrap_or("data");
                return Err(FieldError::new(
                    "slug",
                    format!("is already taken by an ODF with another {differs}"),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        // The event: written now, or on the run again after a crash between the two writes.
        let payload = json(&serde_json::json!({
            "org_id": org.id,
            "slug": data.slug,
            "name": data.name,
            "group_name": data.group_name,
            "state": data.state,
            "municipality": data.municipality,
            "trade": data.trade,
            "founded_on": data.founded_on,
            "currency": data.currency.as_str(),
        }))?;
        let committed = self
            .commit_events(vec![event(
                ORGS_STREAM,
                "org.created",
                format!("org:{}:created", data.slug),
                payload,
                actor,
                origin,
                now,
            )])
            .await?;
        // Created now when its event is: the first request, or the run again of one killed
        // between the organisation and its event.
        let created = !committed.was_replay();
        let director = match request.director() {
            Some((login, name)) => {
                self.name_director(&org, &login, &name, actor, origin, now)
                    .await?
            }
            None => None,
        };
        Ok(OrgCreated {
            org_id: org.id,
            slug: org.data.slug,
            created: created || director.is_some(),
            director,
        })
    }

    /// The ODF's Director General: a staff account with an activation code. Naming the same
    /// person again is a replay (`None`: nothing written, no new code; staff or the
    /// administrator issue one with [`App::reissue_code`]).
    pub async fn name_director(
        &self,
        org: &Org,
        login: &str,
        name: &str,
        actor: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<IssuedCode>, AccessError> {
        let grant = Grant {
            org_id: org.id,
            role: OrgRole::Staff,
            member_id: None,
        };
        match self.user(login).await {
            Ok(u) if u.viewer.grants.contains(&grant) => return Ok(None),
            Ok(_) => return Err(FieldError::new("director_login", "is already taken").into()),
            Err(AccessError::NotFound) => {}
            Err(e) => return Err(e),
        }
        let stream = accounts_stream(org.id);
        let row = AccountRow {
            login: login.to_string(),
            display_name: name.to_string(),
            member_id: None,
            roles: vec![OrgRole::Staff],
            created_at: now,
            active: false,
        };
        let listed = event(
            &stream,
            "account.created",
            format!("{stream}:director:{login}"),
            json(&row)?,
            actor,
            origin,
            now,
        );
        let code = self
            .create_account_with_code(
                login,
                name,
                false,
                vec![grant],
                vec![listed],
                actor,
                origin,
                now,
            )
            .await
            .map_err(|e| match e {
                AccessError::App(crate::AppError::Field(f)) if f.field == "login" => {
                    FieldError::new("director_login", f.message).into()
                }
                other => other,
            })?;
        Ok(Some(code))
    }
}
