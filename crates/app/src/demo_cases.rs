//! Loading the demo organisation(s) (`tequio demo`, and `tequio serve` on a new database).
//!
//! Generation is pure and deterministic (crate `demo`); this module persists it org by org.
//! Every step is idempotent, so a load killed part-way and run again ends in the same state:
//! organisations are found by slug, members by CURP (imports are all-or-nothing per call),
//! the roles not yet held are given in one commit per organisation, and entries carry
//! deterministic keys. Imports and roles are recorded in the log by `Actor::demo()`.

use crate::{Actor, App, AppError};
use demo::DemoSpec;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use store::{OrgId, Page, StoreError, MAX_BATCH_ENTRIES, MAX_IMPORT_MEMBERS, MAX_PAGE};

/// What one organisation's load did, reported to the caller's progress display.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoOrgLoaded {
    pub org_id: OrgId,
    pub members: usize,
    pub entries_created: usize,
}

/// Totals of a whole load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub orgs: u32,
    pub members: usize,
    pub entries_created: usize,
}

impl App {
    /// Loads every organisation of `spec`. Generation runs on blocking threads, ahead of the
    /// writers by a small bounded queue; `writers` organisations are persisted concurrently
    /// (1 for SQLite, which has a single writer; a few for PostgreSQL).
    pub async fn load_demo(
        &self,
        spec: DemoSpec,
        writers: usize,
        on_org: Arc<dyn Fn(DemoOrgLoaded) + Send + Sync>,
    ) -> Result<DemoSummary, AppError> {
        let writers = writers.clamp(1, 16);
        let (tx, rx) = tokio::sync::mpsc::channel::<(u32, demo::OrgPlan)>(writers * 2);
        let generator = tokio::task::spawn_blocking(move || {
            for index in 0..spec.orgs {
                if tx.blocking_send((index, demo::org(&spec, index))).is_err() {
                    break; // the writers stopped on an error
                }
            }
        });
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let mut tasks = Vec::with_capacity(writers);
        for _ in 0..writers {
            let rx = rx.clone();
            let app = self.clone();
            let on_org = on_org.clone();
            tasks.push(tokio::spawn(async move {
                let mut summary = DemoSummary::default();
                loop {
                    let next = rx.lock().await.recv().await;
                    let Some((index, plan)) = next else { break };
                    let loaded = app.load_demo_org(&spec, index, plan).await?;
                    summary.orgs += 1;
                    summary.members += loaded.members;
                    summary.entries_created += loaded.entries_created;
                    on_org(loaded);
                }
                Ok::<_, AppError>(summary)
            }));
        }
        let mut total = DemoSummary::default();
        let mut first_error = None;
        for t in tasks {
            match t.await {
                Ok(Ok(s)) => {
                    total.orgs += s.orgs;
                    total.members += s.members;
                    total.entries_created += s.entries_created;
                }
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                    rx.lock().await.close();
                }
                Err(join) => {
                    first_error.get_or_insert(AppError::Integrity(format!("demo writer: {join}")));
                }
            }
        }
        let _ = generator.await;
        match first_error {
            Some(e) => Err(e),
            None => Ok(total),
        }
    }

    async fn load_demo_org(
        &self,
        spec: &DemoSpec,
        index: u32,
        plan: demo::OrgPlan,
    ) -> Result<DemoOrgLoaded, AppError> {
        let started = Instant::now();
        let store = self.store();
        let org = match store.org_by_slug(&plan.org.slug).await {
            Ok(org) => org,
            Err(StoreError::NotFound { .. }) => store.create_org(&plan.org).await?,
            Err(e) => return Err(e.into()),
        };
        // One `members.imported` event per chunk (its key is the chunk's content, so a
        // resumed load writes none twice).
        let actor = Actor::demo();
        for chunk in plan.members.chunks(MAX_IMPORT_MEMBERS) {
            self.import_members(org.id, chunk, &actor).await?;
        }
        // Ids by CURP: the store assigned them; a resumed load finds the same ones.
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(plan.members.len());
        let mut page = Page::first(MAX_PAGE);
        loop {
            let members = store.members(org.id, page).await?;
            let Some(last) = members.last() else { break };
            page.after_id = last.id;
            ids.extend(
                members
                    .into_iter()
                    .map(|m| (m.data.curp.as_str().to_string(), m.id)),
            );
        }
        let member_ids: Vec<i64> = plan
            .members
            .iter()
            .map(|m| {
                ids.get(m.curp.as_str()).copied().ok_or_else(|| {
                    AppError::Integrity(format!("demo member {} was not stored", m.curp.as_str()))
                })
            })
            .collect::<Result<_, _>>()?;
        // The planned roles not yet held (a load killed before they were written, or one
        // from before they were written together), in plan order, in one commit.
        let held = store.roles(org.id).await?;
        let missing: Vec<_> = plan
            .roles_for(&member_ids)
            .into_iter()
            .filter(|role| {
                !held.iter().any(|h| {
                    h.person_name == role.person_name
                        && h.member_id == role.member_id
                        && h.role == role.role
                        && h.from == role.from
                })
            })
            .collect();
        if !missing.is_empty() {
            self.assign_roles(org.id, missing, &actor).await?;
        }
        let mut entries_created = 0;
        let mut batch = Vec::with_capacity(MAX_BATCH_ENTRIES.min(4_096));
        for entry in demo::dues_entries(spec, index, &member_ids) {
            batch.push(entry);
            if batch.len() == batch.capacity() {
                entries_created += count_created(&store.post_batch(org.id, &batch).await?);
                batch.clear();
            }
        }
        if !batch.is_empty() {
            entries_created += count_created(&store.post_batch(org.id, &batch).await?);
        }
        if index == 0 {
            tracing::info!(
                took_ms = started.elapsed().as_millis() as u64,
                "demo: members and dues"
            );
            // The union's year of the Fund (issue 3): plans, reports, closes, grants, spending.
            let phase = Instant::now();
            self.load_demo_fund(spec, index, org.id, &plan.members, &member_ids)
                .await?;
            tracing::info!(
                took_ms = phase.elapsed().as_millis() as u64,
                "demo: the Fund's year"
            );
            // The union's clay and glaze round and its export order (crate trade_cases).
            let phase = Instant::now();
            // Trade pays its suppliers from the credit line: the line opens first.
            self.open_demo_credit_line(org.id, &member_ids, &demo::credit::morelos_credit())
                .await?;
            self.load_demo_trade(org.id, spec, &member_ids).await?;
            tracing::info!(took_ms = phase.elapsed().as_millis() as u64, "demo: trade");
            // The union's credit line, loans and leases (issue 4), through the credit rules.
            let phase = Instant::now();
            self.load_demo_credit(org.id, &member_ids, &demo::credit::morelos_credit())
                .await?;
            tracing::info!(took_ms = phase.elapsed().as_millis() as u64, "demo: credit");
        }
        Ok(DemoOrgLoaded {
            org_id: org.id,
            members: member_ids.len(),
            entries_created,
        })
    }
}

fn count_created(posted: &[store::Posted]) -> usize {
    posted.iter().filter(|p| p.created).count()
}
