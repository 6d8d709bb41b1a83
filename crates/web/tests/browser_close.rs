//! Issue 17's "staff preview and close a chosen month", on a 360 px phone through the pages
//! only: staff open the close page (it opens on last month), choose an earlier month that is
//! not closed, read the preview of THAT month (R-FUND-1, R-FUND-2, R-PLAN-3: its figures worked
//! out here from the reports filed), see who has not reported, confirm, and find the month in
//! the list of closed periods; last month stays open and the books check passes.
//! Screenshots `close-month-NN-*.png`.

mod common;

use app::access_cases::DEMO_PASSWORD;
use app::fund_cases::{Audit, ReportInput};
use chrono::Datelike;
use common::browser::*;
use fund::{Period, PeriodSettings, Reporter};

/// `n / d` rounded half-to-even, for non-negative `n` and positive `d` (worked out here, not
/// with the ledger's helper).
fn half_even(n: i64, d: i64) -> i64 {
    let (q, r) = (n / d, n % d);
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q % 2),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_preview_and_close_a_chosen_earlier_month_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world().await;
    let today = common::today_mx();
    // Three months ago: over, after the ODF's founding, and not the month the page opens on.
    let chosen = common::month_key(today.year(), today.month(), -3);
    let period = Period::parse(&chosen, PeriodSettings::default()).unwrap();
    let default = Period::parse(&common::last_month(), PeriodSettings::default()).unwrap();
    assert!(!w.app.is_closed(w.union.id, period).await.unwrap());
    assert!(!w.app.is_closed(w.union.id, default).await.unwrap());
    assert!(
        w.app
            .effective_reports(w.union.id, period)
            .await
            .unwrap()
            .is_empty(),
        "nobody reported the chosen month before the test"
    );

    // Three members with a plan agreed by the month's end report it (R-PLAN-2).
    let mut plans: Vec<_> = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.agreed_on <= period.last_day())
        .collect();
    plans.sort_by_key(|p| p.member_id);
    plans.dedup_by_key(|p| p.member_id);
    let with_plan = plans.len();
    assert!(with_plan > 3, "the demo has members with plans");
    // (revenue over the baseline, profit over the baseline), in centavos:
    // - 12,345.67 more revenue and 3,000.02 more profit;
    // - revenue under the baseline (no new revenue), 800.00 more profit;
    // - 0.05 more revenue (10% is half a centavo: to even, 0) and profit under the baseline.
    let over = [(1_234_567, 300_002), (-10_000, 80_000), (5, -1)];
    let audit = Audit::cli();
    let (mut new_revenue, mut development, mut competition, mut profit_share) = (0, 0, 0, 0);
    for (plan, (revenue_over, profit_over)) in plans.iter().zip(over) {
        let revenue = plan.baseline_revenue.amount_minor() + revenue_over;
        let profit = plan.baseline_profit.amount_minor() + profit_over;
        w.app
            .file_report(
                w.union.id,
                period,
                ReportInput {
                    member_id: plan.member_id,
                    revenue_minor: revenue,
                    profit_minor: profit,
                    reported_by: Reporter::Member,
                },
                None,
                today,
                &audit,
            )
            .await
            .unwrap();
        // R-FUND-1: new revenue is revenue minus the baseline, when positive; 10% of it per
        // member, half to even. R-FUND-2: half to each sub-fund, the odd centavo to
        // Development. R-PLAN-3: 25% of a positive profit increment.
        let fresh = revenue_over.max(0);
        let contribution = half_even(fresh * 10, 100);
        new_revenue += fresh;
        development += contribution - contribution / 2;
        competition += contribution / 2;
        profit_share += half_even(profit_over.max(0) * 25, 100);
    }
    // By hand: 123,456.70 → 123,457; 0; 0.5 → 0 — so 123,457 centavos: 61,729 + 61,728.
    // 25% of 3,000.02 = 750.005 → 750.00 (to even) and of 800.00 = 200.00.
    assert_eq!(
        (development, competition, profit_share),
        (61_729, 61_728, 95_000)
    );
    let money = |minor: i64| web::money_es_mx(minor as i128);
    let reporters: Vec<i64> = plans.iter().take(3).map(|p| p.member_id).collect();
    let silent = plans
        .iter()
        .find(|p| !reporters.contains(&p.member_id))
        .unwrap()
        .member_id;
    let silent = w.app.store().member(w.union.id, silent).await.unwrap();
    let silent_name = format!("{} {}", silent.data.given_names, silent.data.surnames);

    let base = serve(w.router.clone()).await;
    let odf = format!("{base}/odf/alfareros-morelos");
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;

    // 1. The close page opens on last month.
    client.goto(&format!("{odf}/cierre")).await.unwrap();
    wait_until_shown(client.clone(), "id=\"close-form\"").await;
    let html = client.source().await.unwrap();
    assert!(
        html.contains(&format!("value=\"{}\"", common::last_month())),
        "the page opens on last month"
    );
    shot_and_check(&client, "close-month-01-default.png").await;

    // 2. Staff choose the earlier month in the month field and ask for its preview.
    client
        .execute(
            "document.getElementById('f-period').value = arguments[0];",
            vec![serde_json::json!(chosen)],
        )
        .await
        .unwrap();
    click(&client, "form[method=get] button[type=submit]").await;
    let label = common::month_label_es(&chosen);
    wait_until_shown(
        client.clone(),
        &format!("Vista previa del cierre · {label}"),
    )
    .await;
    let html = client.source().await.unwrap();
    let preview = html.split("id=\"preview\"").nth(1).unwrap();
    assert!(
        preview.contains(&format!("name=\"period\" value=\"{chosen}\"")),
        "the close form closes the chosen month"
    );
    let figure = |name: &str, value: String| {
        assert!(
            preview.contains(&format!("<dt>{name}</dt><dd>{value}</dd>")),
            "{name} {value}: {preview}"
        )
    };
    figure("Socios que reportaron", "3".into());
    figure("Ingreso nuevo", money(new_revenue));
    figure(
        "Aportaciones al Fondo (10%)",
        money(development + competition),
    );
    figure("Subfondo de Desarrollo", money(development));
    figure("Subfondo de Competencia", money(competition));
    figure("Participación de la ODF (25%)", money(profit_share));
    // Who has not reported: every member with a plan by the month's end but the three.
    assert!(
        preview.contains(&format!(
            "Socios con plan que no han reportado: {}",
            with_plan - 3
        )),
        "{preview}"
    );
    assert!(preview.contains(&silent_name), "{silent_name} is named");
    shot_and_check(&client, "close-month-02-preview.png").await;
    client
        .execute(
            "document.getElementById('not-reported').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    shot_and_check(&client, "close-month-03-not-reported.png").await;

    // 3. Confirm and close.
    click(&client, "#close-form input[name=confirm]").await;
    click(&client, "#close-form button[type=submit]").await;
    wait_until_shown(client.clone(), "id=\"close-message\"").await;
    let html = client.source().await.unwrap();
    assert!(
        html.contains(&format!("Periodo {label} cerrado.")),
        "{html}"
    );
    // The month is listed among the closed periods with what it posted.
    let history = html.split("Periodos cerrados").nth(1).unwrap();
    assert!(
        history.contains(&format!(
            "<td>{label}</td><td class=\"num wide\">3</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            money(new_revenue),
            money(development + competition),
            money(profit_share)
        )),
        "{history}"
    );
    shot_and_check(&client, "close-month-04-closed.png").await;
    client
        .execute(
            "[...document.querySelectorAll('h2')].pop().scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    shot(&client, "close-month-05-history.png").await;

    assert!(w.app.is_closed(w.union.id, period).await.unwrap());
    assert!(
        !w.app.is_closed(w.union.id, default).await.unwrap(),
        "only the chosen month was closed"
    );
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
    client.close().await.unwrap();
}

/// Issue 17: the CURP box of the "add a member" form shows the whole CURP at 360 px (it was
/// clipped), and the members page offers its CSV download.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_add_member_forms_curp_box_shows_a_whole_curp_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world().await;
    let base = serve(w.router.clone()).await;
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos/socios"))
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"members-csv\"").await;
    type_into(client.clone(), "f-curp", "GOMA850101MMSRRN09").await;
    client
        .execute(
            "document.getElementById('f-curp').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await
        .unwrap();
    let fit = client
        .execute(
            "const e = document.getElementById('f-curp');
             const r = e.getBoundingClientRect();
             return [e.scrollWidth, e.clientWidth, Math.round(r.left), Math.round(r.right)];",
            vec![],
        )
        .await
        .unwrap();
    let fit: Vec<i64> = fit
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    shot_and_check(&client, "members-add-curp-360.png").await;
    assert!(
        fit[0] <= fit[1] && fit[2] >= 0 && fit[3] <= WIDTH as i64,
        "the CURP box clips it: scroll {} > client {}, from {} to {} px",
        fit[0],
        fit[1],
        fit[2],
        fit[3]
    );
}
