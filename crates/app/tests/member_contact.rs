//! Issue 19: a member's contact (e-mail, mobile) in the registry, on SQLite and on PostgreSQL
//! when `TEQUIO_TEST_PG_URL` is set: set by a CSV import in the import's own commit, changed
//! by an edit as one more event (history never edited), checked with the field named, and the
//! same change or the same file again writes nothing.

mod common;

use app::{Actor, AppError};
use common::{backends, d, new_member, org_with_members};
use registry::{Contact, MemberEdit, Profile};

/// The header of a members file with the contact columns, in Spanish.
const HEADER: &str = "curp,given_names,surnames,sex,birth_date,municipality,state,trade,\
                      household_size,profile,joined_on,letter_signed_on,correo,celular";

fn row(n: usize, email: &str, mobile: &str) -> (String, String) {
    let m = new_member(n, Profile::MicroProducer, 1985);
    (
        m.curp.as_str().to_string(),
        format!(
            "{},{},{},F,{},Tlayacapan,Morelos,tejido,3,micro_producer,2025-01-15,2025-01-15,{email},{mobile}",
            m.curp.as_str(),
            m.given_names,
            m.surnames,
            m.birth_date
        ),
    )
}

#[tokio::test]
async fn issue_19_an_import_sets_contacts_in_its_own_commit_and_again_changes_nothing() {
    for (name, app) in backends().await {
        let (org, _) = org_with_members(&app, "contacto", 0).await;
        let (curp_a, a) = row(30, "ana@ODF.mx", "55 1234 5678");
        let (curp_b, b) = row(31, "", "");
        let file = format!("{HEADER}\n{a}\n{b}\n");
        let before = common::event_count(&app, org).await;
        app.import_members_csv(org, &file, d(2026, 12, 5), &Actor::cli())
            .await
            .unwrap();
        // One members.imported and one member.contact (the second row has none).
        assert_eq!(common::event_count(&app, org).await, before + 2, "{name}");
        let id_a = app.store().member_by_curp(org, &curp_a).await.unwrap().id;
        let id_b = app.store().member_by_curp(org, &curp_b).await.unwrap().id;
        assert_eq!(
            app.member_contact(org, id_a).await.unwrap(),
            Contact {
                email: Some("ana@odf.mx".into()),
                mobile: Some("+525512345678".into()),
            },
            "{name}"
        );
        assert!(app.member_contact(org, id_b).await.unwrap().is_empty());
        // The same file again writes nothing.
        app.import_members_csv(org, &file, d(2026, 12, 5), &Actor::cli())
            .await
            .unwrap();
        assert_eq!(common::event_count(&app, org).await, before + 2, "{name}");
        // An edit changes the contact: one more event; the same edit again, none.
        let member = app.store().member(org, id_a).await.unwrap();
        let new = Contact::parse("ana.perez@odf.mx", "").unwrap();
        for _ in 0..2 {
            app.edit_member_and_contact(
                org,
                id_a,
                &MemberEdit::of(&member.data),
                Some(&new),
                &Actor::cli(),
            )
            .await
            .unwrap();
        }
        assert_eq!(common::event_count(&app, org).await, before + 3, "{name}");
        assert_eq!(app.member_contact(org, id_a).await.unwrap(), new, "{name}");
        // Importing the old file once more does not undo the later change.
        app.import_members_csv(org, &file, d(2026, 12, 5), &Actor::cli())
            .await
            .unwrap();
        assert_eq!(app.member_contact(org, id_a).await.unwrap(), new, "{name}");
        // A trade change and a contact in one edit: one transaction, both events.
        let mut edit = MemberEdit::of(&member.data);
        edit.trade = "alfarería".into();
        let both = Contact::parse("", "5587654321").unwrap();
        app.edit_member_and_contact(org, id_a, &edit, Some(&both), &Actor::cli())
            .await
            .unwrap();
        assert_eq!(common::event_count(&app, org).await, before + 5, "{name}");
        let contacts = app.member_contacts(org).await.unwrap();
        assert_eq!(contacts.len(), 1, "{name}: only the member with one");
        assert_eq!(contacts[&id_a].mobile.as_deref(), Some("+525587654321"));
        assert_eq!(contacts[&id_a].email, None);
    }
}

#[tokio::test]
async fn issue_19_a_bad_contact_names_its_field_and_nothing_is_imported() {
    for (name, app) in backends().await {
        let (org, _) = org_with_members(&app, "malo", 0).await;
        let (_, a) = row(40, "ana@odf", "");
        let (_, b) = row(41, "", "123");
        let file = format!("{HEADER}\n{a}\n{b}\n");
        let before = common::event_count(&app, org).await;
        let e = app
            .import_members_csv(org, &file, d(2026, 12, 5), &Actor::cli())
            .await
            .unwrap_err();
        let lines = e.row_lines().unwrap();
        assert_eq!(lines.len(), 2, "{name}: {lines:?}");
        assert!(lines[0].starts_with("line 2, email:"), "{name}: {lines:?}");
        assert!(lines[1].starts_with("line 3, mobile:"), "{name}: {lines:?}");
        assert_eq!(common::event_count(&app, org).await, before, "{name}");
        assert!(app
            .store()
            .members(org, store::Page::first(10))
            .await
            .unwrap()
            .is_empty());
        // Through the app the refusal is a field error naming the field.
        let e = AppError::from(Contact::parse("x@y", "").unwrap_err());
        assert!(
            matches!(&e, AppError::Field(f) if f.field == "email"),
            "{e:?}"
        );
    }
}
