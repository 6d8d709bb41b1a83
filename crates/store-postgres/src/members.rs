//! Members (R-ORG-2..4), their accounts, and roles (R-ORG-5).

use crate::events::{append_after_change, prior};
use crate::orgs::{insert_accounts, require_org};
use crate::{clamp_limit, corrupt, Attempt, AttemptResult};
use chrono::NaiveDate;
use ledger::{Account, AccountCode};
use registry::{
    Curp, LetterOfCommitment, Member, MemberEdit, NewMember, NewRoleAssignment, Profile, Rfc, Role,
    RoleAssignment, Sex, TargetProgramme,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::{BTreeSet, HashMap};
use store::{ImportOutcome, MemberId, NewEvent, OrgId, Page, StoreError, MAX_IMPORT_MEMBERS};

const MEMBER_COLUMNS: &str = "id, org_id, curp, rfc, given_names, surnames, sex, birth_date, \
    municipality, state, trade, household_size, profile, declared_programmes, joined_on, \
    letter_signed_on, left_on, leave_reason";

fn member_from_row(row: &PgRow) -> AttemptResult<Member> {
    let curp: String = row.try_get("curp")?;
    let rfc: Option<String> = row.try_get("rfc")?;
    let sex: String = row.try_get("sex")?;
    let profile: String = row.try_get("profile")?;
    let programmes: Vec<String> = row.try_get("declared_programmes")?;
    let household: i32 = row.try_get("household_size")?;
    let declared_programmes = programmes
        .iter()
        .map(|p| TargetProgramme::parse(p).map_err(corrupt))
        .collect::<AttemptResult<BTreeSet<_>>>()?;
    Ok(Member {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        data: NewMember {
            curp: Curp::parse(&curp).map_err(corrupt)?,
            rfc: rfc.map(|r| Rfc::parse(&r).map_err(corrupt)).transpose()?,
            given_names: row.try_get("given_names")?,
            surnames: row.try_get("surnames")?,
            sex: Sex::parse(&sex).map_err(corrupt)?,
            birth_date: row.try_get("birth_date")?,
            municipality: row.try_get("municipality")?,
            state: row.try_get("state")?,
            trade: row.try_get("trade")?,
            household_size: u16::try_from(household).map_err(corrupt)?,
            profile: Profile::parse(&profile).map_err(corrupt)?,
            declared_programmes,
            joined_on: row.try_get("joined_on")?,
            letter: LetterOfCommitment {
                signed_on: row.try_get("letter_signed_on")?,
            },
        },
        left_on: row.try_get("left_on")?,
        leave_reason: row.try_get("leave_reason")?,
    })
}

/// What `import_members` computes once, outside the retry loop: the members with distinct
/// CURPs, and for each input member the index of its CURP's first occurrence.
pub(crate) struct ImportPlan<'a> {
    distinct: Vec<&'a NewMember>,
    repeats: usize,
}

impl<'a> ImportPlan<'a> {
    pub(crate) fn new(members: &'a [NewMember]) -> Result<Self, StoreError> {
        if members.len() > MAX_IMPORT_MEMBERS {
            return Err(StoreError::invalid(format!(
                "import: at most {MAX_IMPORT_MEMBERS} members, got {}",
                members.len()
            )));
        }
        let mut first: HashMap<&str, &NewMember> = HashMap::with_capacity(members.len());
        let mut distinct = Vec::with_capacity(members.len());
        let mut repeats = 0;
        for member in members {
            let curp = member.curp.as_str();
            match first.get(curp) {
                Some(earlier) if *earlier == member => repeats += 1,
                Some(_) => {
                    return Err(StoreError::conflict(format!(
                        "CURP {curp} appears twice in the import with different data"
                    )))
                }
                None => {
                    first.insert(curp, member);
                    distinct.push(member);
                }
            }
        }
        Ok(ImportPlan { distinct, repeats })
    }
}

/// Imports the plan's members and appends `events` in one transaction (lock order: the
/// organisation, the members' rows and accounts, then the event log's advisory lock, as a
/// commit takes them).
pub(crate) async fn import_members(
    pool: &PgPool,
    org_id: OrgId,
    plan: &ImportPlan<'_>,
    events: &[NewEvent],
) -> AttemptResult<ImportOutcome> {
    let mut tx = pool.begin().await?;
    require_org(&mut tx, org_id).await?;
    // A conflicting event is refused before anything is written; a replay imports nothing
    // new (imports are idempotent by CURP) and appends nothing.
    let prior = prior(&mut tx, org_id, events).await?;
    if plan.distinct.is_empty() {
        append_after_change(&mut tx, org_id, events, prior).await?;
        tx.commit().await?;
        return Ok(ImportOutcome::default());
    }

    // 1. CURPs registered before: identical data is unchanged, other data a conflict.
    let curps: Vec<&str> = plan.distinct.iter().map(|m| m.curp.as_str()).collect();
    let rows = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND curp = ANY($2::text[])"
    ))
    .bind(org_id)
    .bind(&curps)
    .fetch_all(&mut *tx)
    .await?;
    let mut existing: HashMap<String, NewMember> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let member = member_from_row(row)?;
        existing.insert(member.data.curp.as_str().to_string(), member.data);
    }
    let mut new_members: Vec<&NewMember> = Vec::with_capacity(plan.distinct.len());
    let mut unchanged = plan.repeats;
    for member in &plan.distinct {
        match existing.get(member.curp.as_str()) {
            Some(stored) if stored == *member => unchanged += 1,
            Some(_) => {
                return Err(StoreError::conflict(format!(
                    "CURP {} is already registered with different data",
                    member.curp.as_str()
                ))
                .into())
            }
            None => new_members.push(member),
        }
    }
    if new_members.is_empty() {
        if events.is_empty() {
            tx.rollback().await?;
        } else {
            append_after_change(&mut tx, org_id, events, prior).await?;
            tx.commit().await?;
        }
        return Ok(ImportOutcome {
            created: 0,
            unchanged,
        });
    }

    // 2. Ids, then members and their accounts, each as one UNNEST insert.
    let n = new_members.len();
    let mut ids: Vec<MemberId> =
        sqlx::query_scalar("SELECT nextval('members_id_seq') FROM generate_series(1, $1)")
            .bind(n as i64)
            .fetch_all(&mut *tx)
            .await?;
    if ids.len() != n {
        return Err(Attempt::Fail(StoreError::Backend(format!(
            "asked for {n} member ids, got {}",
            ids.len()
        ))));
    }
    ids.sort_unstable();
    let mut cols = MemberColumns::with_capacity(n);
    for member in &new_members {
        cols.push(member);
    }
    sqlx::query(
        "INSERT INTO members (org_id, id, curp, rfc, given_names, surnames, sex, birth_date, \
             municipality, state, trade, household_size, profile, declared_programmes, \
             joined_on, letter_signed_on) \
         SELECT $1, u.id, u.curp, u.rfc, u.given_names, u.surnames, u.sex, u.birth_date, \
             u.municipality, u.state, u.trade, u.household_size, u.profile, \
             string_to_array(u.programmes, ','), u.joined_on, u.letter_signed_on \
         FROM UNNEST($2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
                     $8::date[], $9::text[], $10::text[], $11::text[], $12::int4[], \
                     $13::text[], $14::text[], $15::date[], $16::date[]) \
              AS u(id, curp, rfc, given_names, surnames, sex, birth_date, municipality, \
                   state, trade, household_size, profile, programmes, joined_on, \
                   letter_signed_on)",
    )
    .bind(org_id)
    .bind(&ids)
    .bind(&cols.curp)
    .bind(&cols.rfc)
    .bind(&cols.given_names)
    .bind(&cols.surnames)
    .bind(&cols.sex)
    .bind(&cols.birth_date)
    .bind(&cols.municipality)
    .bind(&cols.state)
    .bind(&cols.trade)
    .bind(&cols.household_size)
    .bind(&cols.profile)
    .bind(&cols.programmes)
    .bind(&cols.joined_on)
    .bind(&cols.letter_signed_on)
    .execute(&mut *tx)
    .await?;
    let accounts: Vec<Account> = ids
        .iter()
        .flat_map(|id| Account::member_accounts(*id))
        .collect();
    insert_accounts(&mut tx, org_id, &accounts).await?;
    append_after_change(&mut tx, org_id, events, prior).await?;
    tx.commit().await?;
    Ok(ImportOutcome {
        created: n,
        unchanged,
    })
}

/// Member columns for one UNNEST insert.
struct MemberColumns<'a> {
    curp: Vec<&'a str>,
    rfc: Vec<Option<&'a str>>,
    given_names: Vec<&'a str>,
    surnames: Vec<&'a str>,
    sex: Vec<&'static str>,
    birth_date: Vec<NaiveDate>,
    municipality: Vec<&'a str>,
    state: Vec<&'a str>,
    trade: Vec<&'a str>,
    household_size: Vec<i32>,
    profile: Vec<&'static str>,
    programmes: Vec<String>,
    joined_on: Vec<NaiveDate>,
    letter_signed_on: Vec<NaiveDate>,
}

impl<'a> MemberColumns<'a> {
    fn with_capacity(n: usize) -> Self {
        MemberColumns {
            curp: Vec::with_capacity(n),
            rfc: Vec::with_capacity(n),
            given_names: Vec::with_capacity(n),
            surnames: Vec::with_capacity(n),
            sex: Vec::with_capacity(n),
            birth_date: Vec::with_capacity(n),
            municipality: Vec::with_capacity(n),
            state: Vec::with_capacity(n),
            trade: Vec::with_capacity(n),
            household_size: Vec::with_capacity(n),
            profile: Vec::with_capacity(n),
            programmes: Vec::with_capacity(n),
            joined_on: Vec::with_capacity(n),
            letter_signed_on: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, m: &'a NewMember) {
        self.curp.push(m.curp.as_str());
        self.rfc.push(m.rfc.as_ref().map(Rfc::as_str));
        self.given_names.push(&m.given_names);
        self.surnames.push(&m.surnames);
        self.sex.push(m.sex.as_str());
        self.birth_date.push(m.birth_date);
        self.municipality.push(&m.municipality);
        self.state.push(&m.state);
        self.trade.push(&m.trade);
        self.household_size.push(i32::from(m.household_size));
        self.profile.push(m.profile.as_str());
        // Programme names are [a-z_]: a comma joins them safely into one array element.
        let programmes: Vec<&str> = m.declared_programmes.iter().map(|p| p.as_str()).collect();
        self.programmes.push(programmes.join(","));
        self.joined_on.push(m.joined_on);
        self.letter_signed_on.push(m.letter.signed_on);
    }
}

async fn member_for_update(
    conn: &mut PgConnection,
    org_id: OrgId,
    member_id: MemberId,
) -> AttemptResult<Member> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND id = $2 FOR UPDATE"
    ))
    .bind(org_id)
    .bind(member_id)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => member_from_row(&row),
        None => Err(StoreError::not_found(format!("member {member_id}")).into()),
    }
}

pub(crate) async fn member(
    pool: &PgPool,
    org_id: OrgId,
    member_id: MemberId,
) -> AttemptResult<Member> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND id = $2"
    ))
    .bind(org_id)
    .bind(member_id)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => member_from_row(&row),
        None => Err(StoreError::not_found(format!("member {member_id}")).into()),
    }
}

/// [`store::Store::member_and_account_version`]: the member's row with the account's
/// materialised posting count and balance (`store::AccountVersion`), in one statement (one
/// snapshot). Both change in the transaction that appends the account's postings, under the
/// balance row's lock, so entry ids (a global sequence, not in commit order) play no part.
pub(crate) async fn member_and_account_version(
    pool: &PgPool,
    org_id: OrgId,
    member_id: MemberId,
    account: &AccountCode,
) -> AttemptResult<(Member, store::AccountVersion)> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS}, \
           (SELECT b.postings_count FROM balances b \
              WHERE b.org_id = $1 AND b.account_code = $3) AS account_postings, \
           (SELECT b.balance_minor FROM balances b \
              WHERE b.org_id = $1 AND b.account_code = $3) AS account_balance \
         FROM members WHERE org_id = $1 AND id = $2"
    ))
    .bind(org_id)
    .bind(member_id)
    .bind(account.as_str())
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::not_found(format!("member {member_id}")).into());
    };
    let count: Option<i64> = row.try_get("account_postings")?;
    let balance: Option<i64> = row.try_get("account_balance")?;
    let (Some(count), Some(balance)) = (count, balance) else {
        return Err(StoreError::not_found(format!("account {account}")).into());
    };
    let version = store::AccountVersion {
        count_or_last_id: count,
        balance_minor: balance,
    };
    Ok((member_from_row(&row)?, version))
}

pub(crate) async fn member_by_curp(
    pool: &PgPool,
    org_id: OrgId,
    curp: &str,
) -> AttemptResult<Member> {
    // CURPs are stored upper case, as Curp::parse makes them.
    let wanted = curp.trim().to_uppercase();
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND curp = $2"
    ))
    .bind(org_id)
    .bind(&wanted)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => member_from_row(&row),
        None => Err(StoreError::not_found(format!("member with CURP {wanted}")).into()),
    }
}

pub(crate) async fn members(
    pool: &PgPool,
    org_id: OrgId,
    page: Page,
) -> AttemptResult<Vec<Member>> {
    let rows = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind(org_id)
    .bind(page.after_id)
    .bind(clamp_limit(page))
    .fetch_all(pool)
    .await?;
    rows.iter().map(member_from_row).collect()
}

pub(crate) async fn count_members(pool: &PgPool, org_id: OrgId) -> AttemptResult<u64> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM members WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(pool)
        .await?;
    u64::try_from(count).map_err(corrupt)
}

pub(crate) async fn record_leave(
    pool: &PgPool,
    org_id: OrgId,
    member_id: MemberId,
    left_on: NaiveDate,
    reason: &str,
    events: &[NewEvent],
) -> AttemptResult<Member> {
    let mut tx = pool.begin().await?;
    let member = member_for_update(&mut tx, org_id, member_id).await?;
    // After the member's lock: a concurrent call with the same events has committed by now.
    let prior = prior(&mut tx, org_id, events).await?;
    if prior.replay {
        tx.rollback().await?;
        return Ok(member);
    }
    if let Some(left) = member.left_on {
        return Err(
            StoreError::conflict(format!("member {member_id} already left on {left}")).into(),
        );
    }
    if left_on < member.data.joined_on {
        return Err(StoreError::invalid(format!(
            "left_on: {left_on} is before the member joined ({})",
            member.data.joined_on
        ))
        .into());
    }
    let row = sqlx::query(&format!(
        "UPDATE members SET left_on = $3, leave_reason = $4 \
         WHERE org_id = $1 AND id = $2 RETURNING {MEMBER_COLUMNS}"
    ))
    .bind(org_id)
    .bind(member_id)
    .bind(left_on)
    .bind(reason)
    .fetch_one(&mut *tx)
    .await?;
    let member = member_from_row(&row)?;
    append_after_change(&mut tx, org_id, events, prior).await?;
    tx.commit().await?;
    Ok(member)
}

/// R-ORG-2: the editable fields of a member, as they are now (the change is in the log).
pub(crate) async fn update_member(
    pool: &PgPool,
    org_id: OrgId,
    member_id: MemberId,
    edit: &MemberEdit,
    events: &[NewEvent],
) -> AttemptResult<Member> {
    let mut tx = pool.begin().await?;
    let member = member_for_update(&mut tx, org_id, member_id).await?;
    // After the member's lock: a concurrent call with the same events has committed by now.
    let prior = prior(&mut tx, org_id, events).await?;
    if prior.replay {
        tx.rollback().await?;
        return Ok(member);
    }
    let data = edit
        .apply(&member.data)
        .map_err(|e| StoreError::invalid(e.to_string()))?;
    let programmes: Vec<&str> = data
        .declared_programmes
        .iter()
        .map(|p| p.as_str())
        .collect();
    let row = sqlx::query(&format!(
        "UPDATE members SET rfc = $3, given_names = $4, surnames = $5, municipality = $6, \
         state = $7, trade = $8, household_size = $9, profile = $10, declared_programmes = $11 \
         WHERE org_id = $1 AND id = $2 RETURNING {MEMBER_COLUMNS}"
    ))
    .bind(org_id)
    .bind(member_id)
    .bind(data.rfc.as_ref().map(|r| r.as_str().to_string()))
    .bind(&data.given_names)
    .bind(&data.surnames)
    .bind(&data.municipality)
    .bind(&data.state)
    .bind(&data.trade)
    .bind(i32::from(data.household_size))
    .bind(data.profile.as_str())
    .bind(&programmes)
    .fetch_one(&mut *tx)
    .await?;
    let member = member_from_row(&row)?;
    append_after_change(&mut tx, org_id, events, prior).await?;
    tx.commit().await?;
    Ok(member)
}

const ROLE_COLUMNS: &str = "id, org_id, person_name, member_id, role, from_on, until_on";

fn role_from_row(row: &PgRow) -> AttemptResult<RoleAssignment> {
    let role: String = row.try_get("role")?;
    Ok(RoleAssignment {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        person_name: row.try_get("person_name")?,
        member_id: row.try_get("member_id")?,
        role: Role::from_key(&role).map_err(corrupt)?,
        from: row.try_get("from_on")?,
        until: row.try_get("until_on")?,
    })
}

/// Gives the roles in order in one transaction, then appends `events` (lock order: the
/// organisation, the members named (key share), then the event log's advisory lock).
pub(crate) async fn assign_roles(
    pool: &PgPool,
    org_id: OrgId,
    assignments: &[NewRoleAssignment],
    events: &[NewEvent],
) -> AttemptResult<Vec<RoleAssignment>> {
    let mut tx = pool.begin().await?;
    require_org(&mut tx, org_id).await?;
    let prior = prior(&mut tx, org_id, events).await?;
    let mut answered = Vec::with_capacity(assignments.len());
    if prior.replay {
        for assignment in assignments {
            let row = sqlx::query(&format!(
                "SELECT {ROLE_COLUMNS} FROM role_assignments WHERE org_id = $1 AND role = $2 \
                 AND person_name = $3 AND member_id IS NOT DISTINCT FROM $4 AND from_on = $5 \
                 ORDER BY id DESC LIMIT 1"
            ))
            .bind(org_id)
            .bind(assignment.role.to_key())
            .bind(&assignment.person_name)
            .bind(assignment.member_id)
            .bind(assignment.from)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some(row) => answered.push(role_from_row(&row)?),
                None => {
                    return Err(Attempt::Fail(StoreError::Backend(format!(
                        "a replayed role assignment of {} is not stored",
                        assignment.person_name
                    ))))
                }
            }
        }
        tx.rollback().await?;
        return Ok(answered);
    }
    for assignment in assignments {
        if let Some(member_id) = assignment.member_id {
            // Share-locks the member so it is there when the assignment commits.
            let found =
                sqlx::query("SELECT 1 FROM members WHERE org_id = $1 AND id = $2 FOR KEY SHARE")
                    .bind(org_id)
                    .bind(member_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                return Err(StoreError::not_found(format!("member {member_id}")).into());
            }
        }
        let row = sqlx::query(&format!(
            "INSERT INTO role_assignments (org_id, person_name, member_id, role, from_on) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {ROLE_COLUMNS}"
        ))
        .bind(org_id)
        .bind(&assignment.person_name)
        .bind(assignment.member_id)
        .bind(assignment.role.to_key())
        .bind(assignment.from)
        .fetch_one(&mut *tx)
        .await?;
        answered.push(role_from_row(&row)?);
    }
    append_after_change(&mut tx, org_id, events, prior).await?;
    tx.commit().await?;
    Ok(answered)
}

pub(crate) async fn end_role(
    pool: &PgPool,
    org_id: OrgId,
    assignment_id: i64,
    until: NaiveDate,
    events: &[NewEvent],
) -> AttemptResult<RoleAssignment> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(&format!(
        "SELECT {ROLE_COLUMNS} FROM role_assignments WHERE org_id = $1 AND id = $2 FOR UPDATE"
    ))
    .bind(org_id)
    .bind(assignment_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::not_found(format!("role assignment {assignment_id}")).into());
    };
    let current = role_from_row(&row)?;
    // After the assignment's lock: a concurrent call with the same events has committed.
    let prior = prior(&mut tx, org_id, events).await?;
    if prior.replay {
        tx.rollback().await?;
        return Ok(current);
    }
    if let Some(ended) = current.until {
        return Err(StoreError::conflict(format!(
            "role assignment {assignment_id} already ended on {ended}"
        ))
        .into());
    }
    if until < current.from {
        return Err(StoreError::invalid(format!(
            "until: {until} is before the role started ({})",
            current.from
        ))
        .into());
    }
    let row = sqlx::query(&format!(
        "UPDATE role_assignments SET until_on = $3 WHERE org_id = $1 AND id = $2 \
         RETURNING {ROLE_COLUMNS}"
    ))
    .bind(org_id)
    .bind(assignment_id)
    .bind(until)
    .fetch_one(&mut *tx)
    .await?;
    let ended = role_from_row(&row)?;
    append_after_change(&mut tx, org_id, events, prior).await?;
    tx.commit().await?;
    Ok(ended)
}

pub(crate) async fn roles(pool: &PgPool, org_id: OrgId) -> AttemptResult<Vec<RoleAssignment>> {
    let rows = sqlx::query(&format!(
        "SELECT {ROLE_COLUMNS} FROM role_assignments WHERE org_id = $1 ORDER BY id"
    ))
    .bind(org_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(role_from_row).collect()
}
