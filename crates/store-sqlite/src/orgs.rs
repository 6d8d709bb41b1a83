//! Organisations (R-ORG-1) and their charts of accounts.

use crate::sql::{json_strings, multi_row_insert, rows_per_statement};
use crate::{backend, corrupt};
use ledger::{Account, AccountCode, AccountKind, AccountOwner, Currency};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::Row;
use std::collections::HashMap;
use store::{NewOrg, Org, OrgId, StoreError, StoreResult};

/// NotFound unless the organisation exists; every write checks this first.
pub(crate) async fn require_org(conn: &mut SqliteConnection, org_id: OrgId) -> StoreResult<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM orgs WHERE id = ?1")
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found(format!("organisation {org_id}"))),
    }
}

pub(crate) async fn create_org(conn: &mut SqliteConnection, org: &NewOrg) -> StoreResult<Org> {
    let taken = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE slug = ?1"))
        .bind(&org.slug)
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    if let Some(row) = taken {
        return store::replayed_org(decode_org(&row)?, org);
    }
    let id: OrgId = sqlx::query_scalar(
        "INSERT INTO orgs (slug, name, group_name, state, municipality, trade, founded_on, \
         currency, dues_amount_minor, dues_period_months) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
    )
    .bind(&org.slug)
    .bind(&org.name)
    .bind(&org.group_name)
    .bind(&org.state)
    .bind(&org.municipality)
    .bind(&org.trade)
    .bind(org.founded_on)
    .bind(org.currency.as_str())
    .bind(org.dues_amount_minor)
    .bind(org.dues_period_months)
    .fetch_one(&mut *conn)
    .await
    .map_err(backend)?;
    open_accounts(conn, id, &Account::odf_chart()).await?;
    Ok(Org {
        id,
        data: org.clone(),
    })
}

const ORG_COLUMNS: &str = "id, slug, name, group_name, state, municipality, trade, founded_on, \
                           currency, dues_amount_minor, dues_period_months";

fn decode_org(row: &SqliteRow) -> StoreResult<Org> {
    let currency: String = row.try_get(8).map_err(backend)?;
    Ok(Org {
        id: row.try_get(0).map_err(backend)?,
        data: NewOrg {
            slug: row.try_get(1).map_err(backend)?,
            name: row.try_get(2).map_err(backend)?,
            group_name: row.try_get(3).map_err(backend)?,
            state: row.try_get(4).map_err(backend)?,
            municipality: row.try_get(5).map_err(backend)?,
            trade: row.try_get(6).map_err(backend)?,
            founded_on: row.try_get(7).map_err(backend)?,
            currency: Currency::parse(&currency).map_err(corrupt)?,
            dues_amount_minor: row.try_get(9).map_err(backend)?,
            dues_period_months: row.try_get(10).map_err(backend)?,
        },
    })
}

pub(crate) async fn org(pool: &SqlitePool, org_id: OrgId) -> StoreResult<Org> {
    let row = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = ?1"))
        .bind(org_id)
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    match row {
        Some(row) => decode_org(&row),
        None => Err(StoreError::not_found(format!("organisation {org_id}"))),
    }
}

pub(crate) async fn org_by_slug(pool: &SqlitePool, slug: &str) -> StoreResult<Org> {
    let row = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE slug = ?1"))
        .bind(slug)
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    match row {
        Some(row) => decode_org(&row),
        None => Err(StoreError::not_found(format!("organisation '{slug}'"))),
    }
}

pub(crate) async fn orgs(pool: &SqlitePool) -> StoreResult<Vec<Org>> {
    let rows = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY id"))
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(decode_org).collect()
}

fn decode_account(row: &SqliteRow) -> StoreResult<Account> {
    let code: String = row.try_get(0).map_err(backend)?;
    let kind: String = row.try_get(1).map_err(backend)?;
    let owner: String = row.try_get(2).map_err(backend)?;
    let currency: String = row.try_get(3).map_err(backend)?;
    Ok(Account {
        code: AccountCode::parse(&code).map_err(corrupt)?,
        kind: AccountKind::parse(&kind).ok_or_else(|| corrupt(format!("account kind {kind}")))?,
        owner: AccountOwner::from_key(&owner)
            .ok_or_else(|| corrupt(format!("account owner {owner}")))?,
        currency: Currency::parse(&currency).map_err(corrupt)?,
        name: row.try_get(4).map_err(backend)?,
    })
}

/// Opens the accounts not yet open; one open with the same definition is left as is, with a
/// different one it is a conflict. The caller owns the transaction, so a conflict opens none.
pub(crate) async fn open_accounts(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    accounts: &[Account],
) -> StoreResult<()> {
    let mut wanted: HashMap<&str, &Account> = HashMap::with_capacity(accounts.len());
    let mut order: Vec<&Account> = Vec::with_capacity(accounts.len());
    for account in accounts {
        match wanted.insert(account.code.as_str(), account) {
            Some(other) if other != account => {
                return Err(StoreError::conflict(format!(
                    "account '{}' is given twice with different definitions",
                    account.code
                )))
            }
            Some(_) => {}
            None => order.push(account),
        }
    }
    if order.is_empty() {
        return Ok(());
    }
    let rows = sqlx::query(
        "SELECT code, kind, owner, currency, name FROM accounts \
         WHERE org_id = ?1 AND code IN (SELECT value FROM json_each(?2))",
    )
    .bind(org_id)
    .bind(json_strings(order.iter().map(|a| a.code.as_str())))
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut open: HashMap<String, Account> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let account = decode_account(row)?;
        open.insert(account.code.as_str().to_string(), account);
    }
    let mut new: Vec<&Account> = Vec::with_capacity(order.len());
    for account in order {
        match open.get(account.code.as_str()) {
            Some(existing) if existing == account => {}
            Some(_) => {
                return Err(StoreError::conflict(format!(
                    "account '{}' is already open with a different definition",
                    account.code
                )))
            }
            None => new.push(account),
        }
    }
    const HEAD: &str = "INSERT INTO accounts (org_id, code, kind, owner, currency, name)";
    const PER_ROW: usize = 6;
    for chunk in new.chunks(rows_per_statement(PER_ROW)) {
        let sql = multi_row_insert(HEAD, PER_ROW, chunk.len(), "");
        let mut query = sqlx::query(&sql);
        for account in chunk {
            query = query
                .bind(org_id)
                .bind(account.code.as_str())
                .bind(account.kind.as_str())
                .bind(account.owner.to_key())
                .bind(account.currency.as_str())
                .bind(account.name.as_str());
        }
        query.execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

pub(crate) async fn accounts(pool: &SqlitePool, org_id: OrgId) -> StoreResult<Vec<Account>> {
    let rows = sqlx::query(
        "SELECT code, kind, owner, currency, name FROM accounts WHERE org_id = ?1 ORDER BY code",
    )
    .bind(org_id)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    rows.iter().map(decode_account).collect()
}
