//! Members (R-ORG-2..4) and role assignments (R-ORG-5).

use crate::sql::{json_strings, multi_row_insert, rows_per_statement};
use crate::{backend, corrupt, orgs};
use chrono::NaiveDate;
use ledger::{Account, AccountCode};
use registry::{
    Curp, LetterOfCommitment, Member, MemberEdit, NewMember, NewRoleAssignment, Profile, Rfc, Role,
    RoleAssignment, Sex, TargetProgramme,
};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};
use store::{ImportOutcome, MemberId, OrgId, Page, StoreError, StoreResult, MAX_PAGE};

const MEMBER_COLUMNS: &str = "id, org_id, curp, rfc, given_names, surnames, sex, birth_date, \
     municipality, state, trade, household_size, profile, declared_programmes, joined_on, \
     letter_signed_on, left_on, leave_reason";

fn programmes_text(programmes: &BTreeSet<TargetProgramme>) -> String {
    programmes
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_member(row: &SqliteRow) -> StoreResult<Member> {
    let text = |i: usize| -> StoreResult<String> { row.try_get(i).map_err(backend) };
    let date = |i: usize| -> StoreResult<NaiveDate> { row.try_get(i).map_err(backend) };
    let rfc: Option<String> = row.try_get(3).map_err(backend)?;
    let programmes = text(13)?;
    let household: i64 = row.try_get(11).map_err(backend)?;
    let data = NewMember {
        curp: Curp::parse(&text(2)?).map_err(corrupt)?,
        rfc: rfc.map(|r| Rfc::parse(&r)).transpose().map_err(corrupt)?,
        given_names: text(4)?,
        surnames: text(5)?,
        sex: Sex::parse(&text(6)?).map_err(corrupt)?,
        birth_date: date(7)?,
        municipality: text(8)?,
        state: text(9)?,
        trade: text(10)?,
        household_size: u16::try_from(household).map_err(corrupt)?,
        profile: Profile::parse(&text(12)?).map_err(corrupt)?,
        declared_programmes: programmes
            .split(',')
            .filter(|p| !p.is_empty())
            .map(TargetProgramme::parse)
            .collect::<Result<_, _>>()
            .map_err(corrupt)?,
        joined_on: date(14)?,
        letter: LetterOfCommitment {
            signed_on: date(15)?,
        },
    };
    Ok(Member {
        id: row.try_get(0).map_err(backend)?,
        org_id: row.try_get(1).map_err(backend)?,
        data,
        left_on: row.try_get(16).map_err(backend)?,
        leave_reason: row.try_get(17).map_err(backend)?,
    })
}

pub(crate) async fn import_members(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    members: &[NewMember],
) -> StoreResult<ImportOutcome> {
    orgs::require_org(conn, org_id).await?;
    let mut outcome = ImportOutcome::default();
    // A CURP repeated in the input: identical data counts once, different data conflicts.
    let mut first_by_curp: HashMap<&str, &NewMember> = HashMap::with_capacity(members.len());
    let mut distinct: Vec<&NewMember> = Vec::with_capacity(members.len());
    for m in members {
        match first_by_curp.insert(m.curp.as_str(), m) {
            Some(first) if first != m => {
                return Err(StoreError::conflict(format!(
                    "CURP {} appears twice in the import with different data",
                    m.curp.as_str()
                )))
            }
            Some(_) => outcome.unchanged += 1,
            None => distinct.push(m),
        }
    }
    if distinct.is_empty() {
        return Ok(outcome);
    }

    let rows = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members INDEXED BY members_by_curp \
         WHERE org_id = ?1 AND curp IN (SELECT value FROM json_each(?2))"
    ))
    .bind(org_id)
    .bind(json_strings(distinct.iter().map(|m| m.curp.as_str())))
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut registered: HashMap<String, Member> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let member = decode_member(row)?;
        registered.insert(member.data.curp.as_str().to_string(), member);
    }
    let mut new: Vec<&NewMember> = Vec::with_capacity(distinct.len());
    for m in distinct {
        match registered.get(m.curp.as_str()) {
            Some(existing) if existing.data == *m => outcome.unchanged += 1,
            Some(_) => {
                return Err(StoreError::conflict(format!(
                    "CURP {} is already registered with different data",
                    m.curp.as_str()
                )))
            }
            None => new.push(m),
        }
    }
    if new.is_empty() {
        return Ok(outcome);
    }

    let next_id: MemberId =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM members WHERE org_id = ?1")
            .bind(org_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(backend)?;
    const HEAD: &str = "INSERT INTO members (org_id, id, curp, rfc, given_names, surnames, sex, \
         birth_date, municipality, state, trade, household_size, profile, declared_programmes, \
         joined_on, letter_signed_on)";
    const PER_ROW: usize = 16;
    let ids: Vec<MemberId> = (0..new.len() as i64).map(|k| next_id + k).collect();
    let rows: Vec<(MemberId, &NewMember)> = ids.iter().copied().zip(new.iter().copied()).collect();
    for chunk in rows.chunks(rows_per_statement(PER_ROW)) {
        let sql = multi_row_insert(HEAD, PER_ROW, chunk.len(), "");
        let mut query = sqlx::query(&sql);
        for (id, m) in chunk {
            query = query
                .bind(org_id)
                .bind(*id)
                .bind(m.curp.as_str())
                .bind(m.rfc.as_ref().map(|r| r.as_str()))
                .bind(m.given_names.as_str())
                .bind(m.surnames.as_str())
                .bind(m.sex.as_str())
                .bind(m.birth_date)
                .bind(m.municipality.as_str())
                .bind(m.state.as_str())
                .bind(m.trade.as_str())
                .bind(i64::from(m.household_size))
                .bind(m.profile.as_str())
                .bind(programmes_text(&m.declared_programmes))
                .bind(m.joined_on)
                .bind(m.letter.signed_on);
        }
        query.execute(&mut *conn).await.map_err(backend)?;
    }
    let accounts: Vec<Account> = ids
        .iter()
        .flat_map(|id| Account::member_accounts(*id))
        .collect();
    orgs::open_accounts(conn, org_id, &accounts).await?;
    outcome.created = new.len();
    Ok(outcome)
}

pub(crate) async fn member_in(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    member_id: MemberId,
) -> StoreResult<Member> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = ?1 AND id = ?2"
    ))
    .bind(org_id)
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?;
    match row {
        Some(row) => decode_member(&row),
        None => Err(StoreError::not_found(format!("member {member_id}"))),
    }
}

pub(crate) async fn member(
    pool: &SqlitePool,
    org_id: OrgId,
    member_id: MemberId,
) -> StoreResult<Member> {
    let mut conn = pool.acquire().await.map_err(backend)?;
    member_in(&mut conn, org_id, member_id).await
}

/// [`store::Store::member_and_account_version`]: the member's row with the organisation's
/// last entry id and the account's balance (`store::AccountVersion`), in one statement (one
/// hand-over to the database thread). SQLite writes one transaction at a time and a batch's
/// entries take ids after every committed one, so the last id moves with any new posting.
pub(crate) async fn member_and_account_version(
    pool: &SqlitePool,
    org_id: OrgId,
    member_id: MemberId,
    account: &AccountCode,
) -> StoreResult<(Member, store::AccountVersion)> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS}, \
           (SELECT COALESCE(MAX(e.id), 0) FROM entries e WHERE e.org_id = ?1), \
           (SELECT 1 FROM accounts a WHERE a.org_id = ?1 AND a.code = ?3), \
           (SELECT COALESCE(SUM(b.balance_minor), 0) FROM balances b \
              JOIN accounts a ON a.org_id = b.org_id AND a.code = b.account_code \
                AND a.currency = b.currency \
              WHERE b.org_id = ?1 AND b.account_code = ?3) \
         FROM members WHERE org_id = ?1 AND id = ?2"
    ))
    .bind(org_id)
    .bind(member_id)
    .bind(account.as_str())
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    let Some(row) = row else {
        return Err(StoreError::not_found(format!("member {member_id}")));
    };
    let open: Option<i64> = row.try_get(19).map_err(backend)?;
    if open.is_none() {
        return Err(StoreError::not_found(format!("account '{account}'")));
    }
    let version = store::AccountVersion {
        count_or_last_id: row.try_get(18).map_err(backend)?,
        balance_minor: row.try_get(20).map_err(backend)?,
    };
    Ok((decode_member(&row)?, version))
}

pub(crate) async fn member_by_curp(
    pool: &SqlitePool,
    org_id: OrgId,
    curp: &str,
) -> StoreResult<Member> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members INDEXED BY members_by_curp \
         WHERE org_id = ?1 AND curp = ?2"
    ))
    .bind(org_id)
    .bind(curp.trim().to_uppercase())
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    match row {
        Some(row) => decode_member(&row),
        None => Err(StoreError::not_found(format!("member with CURP {curp}"))),
    }
}

pub(crate) async fn members(
    pool: &SqlitePool,
    org_id: OrgId,
    page: Page,
) -> StoreResult<Vec<Member>> {
    let limit = page.limit.min(MAX_PAGE);
    let rows = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
    ))
    .bind(org_id)
    .bind(page.after_id)
    .bind(limit as i64)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    rows.iter().map(decode_member).collect()
}

pub(crate) async fn count_members(pool: &SqlitePool, org_id: OrgId) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE org_id = ?1")
        .bind(org_id)
        .fetch_one(pool)
        .await
        .map_err(backend)?;
    u64::try_from(n).map_err(corrupt)
}

/// R-ORG-2: leaving records the date and reason; the member and their history stay.
pub(crate) async fn record_leave(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    member_id: MemberId,
    left_on: NaiveDate,
    reason: &str,
) -> StoreResult<Member> {
    let mut member = member_in(conn, org_id, member_id).await?;
    if let Some(left) = member.left_on {
        return Err(StoreError::conflict(format!(
            "member {member_id} already left on {left}"
        )));
    }
    if left_on < member.data.joined_on {
        return Err(StoreError::invalid(format!(
            "left_on {left_on} is before the member joined on {}",
            member.data.joined_on
        )));
    }
    sqlx::query("UPDATE members SET left_on = ?3, leave_reason = ?4 WHERE org_id = ?1 AND id = ?2")
        .bind(org_id)
        .bind(member_id)
        .bind(left_on)
        .bind(reason)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    member.left_on = Some(left_on);
    member.leave_reason = Some(reason.to_string());
    Ok(member)
}

/// R-ORG-2: the editable fields of a member, as they are now (the change is in the log).
pub(crate) async fn update_member(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    member_id: MemberId,
    edit: &MemberEdit,
) -> StoreResult<Member> {
    let member = member_in(conn, org_id, member_id).await?;
    let data = edit
        .apply(&member.data)
        .map_err(|e| StoreError::invalid(e.to_string()))?;
    sqlx::query(
        "UPDATE members SET rfc = ?3, given_names = ?4, surnames = ?5, municipality = ?6, \
         state = ?7, trade = ?8, household_size = ?9, profile = ?10, declared_programmes = ?11 \
         WHERE org_id = ?1 AND id = ?2",
    )
    .bind(org_id)
    .bind(member_id)
    .bind(data.rfc.as_ref().map(|r| r.as_str().to_string()))
    .bind(&data.given_names)
    .bind(&data.surnames)
    .bind(&data.municipality)
    .bind(&data.state)
    .bind(&data.trade)
    .bind(i64::from(data.household_size))
    .bind(data.profile.as_str())
    .bind(programmes_text(&data.declared_programmes))
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(Member { data, ..member })
}

const ROLE_COLUMNS: &str = "id, org_id, person_name, member_id, role, from_date, until_date";

fn decode_role(row: &SqliteRow) -> StoreResult<RoleAssignment> {
    let role: String = row.try_get(4).map_err(backend)?;
    Ok(RoleAssignment {
        id: row.try_get(0).map_err(backend)?,
        org_id: row.try_get(1).map_err(backend)?,
        person_name: row.try_get(2).map_err(backend)?,
        member_id: row.try_get(3).map_err(backend)?,
        role: Role::from_key(&role).map_err(corrupt)?,
        from: row.try_get(5).map_err(backend)?,
        until: row.try_get(6).map_err(backend)?,
    })
}

pub(crate) async fn assign_role(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    assignment: &NewRoleAssignment,
) -> StoreResult<RoleAssignment> {
    orgs::require_org(conn, org_id).await?;
    if let Some(member_id) = assignment.member_id {
        member_in(conn, org_id, member_id).await?;
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO role_assignments (org_id, id, person_name, member_id, role, from_date) \
         SELECT ?1, COALESCE(MAX(id), 0) + 1, ?2, ?3, ?4, ?5 \
         FROM role_assignments WHERE org_id = ?1 RETURNING id",
    )
    .bind(org_id)
    .bind(&assignment.person_name)
    .bind(assignment.member_id)
    .bind(assignment.role.to_key())
    .bind(assignment.from)
    .fetch_one(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(RoleAssignment {
        id,
        org_id,
        person_name: assignment.person_name.clone(),
        member_id: assignment.member_id,
        role: assignment.role,
        from: assignment.from,
        until: None,
    })
}

/// The role assignment with this id.
pub(crate) async fn role_in(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    assignment_id: i64,
) -> StoreResult<RoleAssignment> {
    let row = sqlx::query(&format!(
        "SELECT {ROLE_COLUMNS} FROM role_assignments WHERE org_id = ?1 AND id = ?2"
    ))
    .bind(org_id)
    .bind(assignment_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?;
    match row {
        Some(row) => decode_role(&row),
        None => Err(StoreError::not_found(format!(
            "role assignment {assignment_id}"
        ))),
    }
}

/// The latest assignment with the data of `assignment` (what a replayed `assign_role`
/// answers).
pub(crate) async fn latest_role_like(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    assignment: &NewRoleAssignment,
) -> StoreResult<RoleAssignment> {
    let row = sqlx::query(&format!(
        "SELECT {ROLE_COLUMNS} FROM role_assignments WHERE org_id = ?1 AND role = ?2 \
         AND person_name = ?3 AND member_id IS ?4 AND from_date = ?5 ORDER BY id DESC LIMIT 1"
    ))
    .bind(org_id)
    .bind(assignment.role.to_key())
    .bind(&assignment.person_name)
    .bind(assignment.member_id)
    .bind(assignment.from)
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?;
    match row {
        Some(row) => decode_role(&row),
        None => Err(StoreError::Backend(format!(
            "a replayed role assignment of {} is not stored",
            assignment.person_name
        ))),
    }
}

pub(crate) async fn end_role(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    assignment_id: i64,
    until: NaiveDate,
) -> StoreResult<RoleAssignment> {
    let mut assignment = role_in(conn, org_id, assignment_id).await?;
    if let Some(ended) = assignment.until {
        return Err(StoreError::conflict(format!(
            "role assignment {assignment_id} already ended on {ended}"
        )));
    }
    if until < assignment.from {
        return Err(StoreError::invalid(format!(
            "until {until} is before the role began on {}",
            assignment.from
        )));
    }
    sqlx::query("UPDATE role_assignments SET until_date = ?3 WHERE org_id = ?1 AND id = ?2")
        .bind(org_id)
        .bind(assignment_id)
        .bind(until)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    assignment.until = Some(until);
    Ok(assignment)
}

pub(crate) async fn roles(pool: &SqlitePool, org_id: OrgId) -> StoreResult<Vec<RoleAssignment>> {
    let rows = sqlx::query(&format!(
        "SELECT {ROLE_COLUMNS} FROM role_assignments WHERE org_id = ?1 ORDER BY id"
    ))
    .bind(org_id)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    rows.iter().map(decode_role).collect()
}
