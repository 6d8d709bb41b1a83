//! Organisations (R-ORG-1) and their charts of accounts.

use crate::{corrupt, Attempt, AttemptResult};
use ledger::{Account, AccountCode, AccountKind, AccountOwner, Currency};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::BTreeMap;
use store::{NewOrg, Org, OrgId, StoreError};

const ORG_COLUMNS: &str = "org_id, slug, name, group_name, state, municipality, trade, \
                           founded_on, currency, dues_amount_minor, dues_period_months";

fn org_from_row(row: &PgRow) -> AttemptResult<Org> {
    let currency: String = row.try_get("currency")?;
    let months: i32 = row.try_get("dues_period_months")?;
    Ok(Org {
        id: row.try_get("org_id")?,
        data: NewOrg {
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            group_name: row.try_get("group_name")?,
            state: row.try_get("state")?,
            municipality: row.try_get("municipality")?,
            trade: row.try_get("trade")?,
            founded_on: row.try_get("founded_on")?,
            currency: Currency::parse(&currency).map_err(corrupt)?,
            dues_amount_minor: row.try_get("dues_amount_minor")?,
            dues_period_months: u32::try_from(months).map_err(corrupt)?,
        },
    })
}

pub(crate) async fn create_org(pool: &PgPool, org: &NewOrg) -> AttemptResult<Org> {
    store::check_slug(&org.slug)?;
    if org.dues_amount_minor < 0 {
        return Err(StoreError::invalid("dues_amount_minor: must not be negative").into());
    }
    let months = i32::try_from(org.dues_period_months)
        .map_err(|_| StoreError::invalid("dues_period_months: too large"))?;
    let mut tx = pool.begin().await?;
    let row = sqlx::query(&format!(
        "INSERT INTO orgs (slug, name, group_name, state, municipality, trade, founded_on, \
                           currency, dues_amount_minor, dues_period_months) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (slug) DO NOTHING \
         RETURNING {ORG_COLUMNS}"
    ))
    .bind(&org.slug)
    .bind(&org.name)
    .bind(&org.group_name)
    .bind(&org.state)
    .bind(&org.municipality)
    .bind(&org.trade)
    .bind(org.founded_on)
    .bind(org.currency.as_str())
    .bind(org.dues_amount_minor)
    .bind(months)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        // Taken: a replay when the organisation there has the same data (the set-up run again,
        // or this very write run again after its answer was lost in a failover).
        let existing = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE slug = $1"))
            .bind(&org.slug)
            .fetch_one(&mut *tx)
            .await?;
        return Ok(store::replayed_org(org_from_row(&existing)?, org)?);
    };
    let created = org_from_row(&row)?;
    insert_accounts(&mut tx, created.id, &Account::odf_chart()).await?;
    tx.commit().await?;
    Ok(created)
}

pub(crate) async fn org(pool: &PgPool, org_id: OrgId) -> AttemptResult<Org> {
    let row = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE org_id = $1"))
        .bind(org_id)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => org_from_row(&row),
        None => Err(StoreError::not_found(format!("organisation {org_id}")).into()),
    }
}

pub(crate) async fn org_by_slug(pool: &PgPool, slug: &str) -> AttemptResult<Org> {
    let row = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => org_from_row(&row),
        None => Err(StoreError::not_found(format!("organisation '{slug}'")).into()),
    }
}

pub(crate) async fn orgs(pool: &PgPool) -> AttemptResult<Vec<Org>> {
    let rows = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY org_id"))
        .fetch_all(pool)
        .await?;
    rows.iter().map(org_from_row).collect()
}

/// Fails with NotFound unless the organisation exists; share-locks its row so that it cannot
/// vanish before the transaction commits.
pub(crate) async fn require_org(conn: &mut PgConnection, org_id: OrgId) -> AttemptResult<()> {
    let found = sqlx::query("SELECT 1 FROM orgs WHERE org_id = $1 FOR KEY SHARE")
        .bind(org_id)
        .fetch_optional(conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found(format!("organisation {org_id}")).into()),
    }
}

/// The columns of accounts to insert with UNNEST.
#[derive(Default)]
struct AccountColumns {
    code: Vec<String>,
    kind: Vec<&'static str>,
    owner: Vec<String>,
    currency: Vec<String>,
    name: Vec<String>,
}

impl AccountColumns {
    fn push(&mut self, account: &Account) {
        self.code.push(account.code.as_str().to_string());
        self.kind.push(account.kind.as_str());
        self.owner.push(account.owner.to_key());
        self.currency.push(account.currency.as_str().to_string());
        self.name.push(account.name.clone());
    }
}

/// Inserts accounts and their zero balance rows; an account already open is left as is.
/// Returns nothing about which were new: callers that care compare afterwards.
pub(crate) async fn insert_accounts(
    conn: &mut PgConnection,
    org_id: OrgId,
    accounts: &[Account],
) -> AttemptResult<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    let mut cols = AccountColumns::default();
    for account in accounts {
        cols.push(account);
    }
    sqlx::query(
        "INSERT INTO accounts (org_id, code, kind, owner, currency, name) \
         SELECT $1, u.code, u.kind, u.owner, u.currency, u.name \
         FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
              AS u(code, kind, owner, currency, name) \
         ON CONFLICT (org_id, code) DO NOTHING",
    )
    .bind(org_id)
    .bind(&cols.code)
    .bind(&cols.kind)
    .bind(&cols.owner)
    .bind(&cols.currency)
    .bind(&cols.name)
    .execute(&mut *conn)
    .await?;
    // Balance rows follow the stored account (which may be an older, different definition;
    // the caller then refuses the whole call and this is rolled back).
    sqlx::query(
        "INSERT INTO balances (org_id, account_code, currency) \
         SELECT a.org_id, a.code, a.currency FROM accounts a \
         WHERE a.org_id = $1 AND a.code = ANY($2::text[]) \
         ON CONFLICT DO NOTHING",
    )
    .bind(org_id)
    .bind(&cols.code)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn account_from_row(row: &PgRow) -> AttemptResult<Account> {
    let code: String = row.try_get("code")?;
    let kind: String = row.try_get("kind")?;
    let owner: String = row.try_get("owner")?;
    let currency: String = row.try_get("currency")?;
    Ok(Account {
        code: AccountCode::parse(&code).map_err(corrupt)?,
        kind: AccountKind::parse(&kind)
            .ok_or_else(|| corrupt(format!("account {code}: kind '{kind}'")))?,
        owner: AccountOwner::from_key(&owner)
            .ok_or_else(|| corrupt(format!("account {code}: owner '{owner}'")))?,
        currency: Currency::parse(&currency).map_err(corrupt)?,
        name: row.try_get("name")?,
    })
}

pub(crate) async fn open_accounts(
    pool: &PgPool,
    org_id: OrgId,
    accounts: &[Account],
) -> AttemptResult<()> {
    let mut tx = pool.begin().await?;
    require_org(&mut tx, org_id).await?;
    open_accounts_in(&mut tx, org_id, accounts).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens accounts inside the caller's transaction (the organisation already checked).
pub(crate) async fn open_accounts_in(
    tx: &mut PgConnection,
    org_id: OrgId,
    accounts: &[Account],
) -> AttemptResult<()> {
    // One definition per code; the same code twice with two definitions is a conflict.
    let mut wanted: BTreeMap<&AccountCode, &Account> = BTreeMap::new();
    for account in accounts {
        if let Some(previous) = wanted.insert(&account.code, account) {
            if previous != account {
                return Err(StoreError::conflict(format!(
                    "account {} is given twice with different definitions",
                    account.code
                ))
                .into());
            }
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let unique: Vec<Account> = wanted.values().map(|a| (*a).clone()).collect();
    insert_accounts(&mut *tx, org_id, &unique).await?;
    let codes: Vec<&str> = unique.iter().map(|a| a.code.as_str()).collect();
    let rows = sqlx::query(
        "SELECT code, kind, owner, currency, name FROM accounts \
         WHERE org_id = $1 AND code = ANY($2::text[])",
    )
    .bind(org_id)
    .bind(&codes)
    .fetch_all(&mut *tx)
    .await?;
    for row in &rows {
        let stored = account_from_row(row)?;
        if wanted.get(&stored.code) != Some(&&stored) {
            return Err(StoreError::conflict(format!(
                "account {} is already open with a different definition",
                stored.code
            ))
            .into());
        }
    }
    if rows.len() != unique.len() {
        return Err(Attempt::Again("an account being opened vanished"));
    }
    Ok(())
}

pub(crate) async fn accounts(pool: &PgPool, org_id: OrgId) -> AttemptResult<Vec<Account>> {
    let rows = sqlx::query(
        "SELECT code, kind, owner, currency, name FROM accounts \
         WHERE org_id = $1 ORDER BY code",
    )
    .bind(org_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(account_from_row).collect()
}
