//! The server store's test suite, run on both back ends: every test below runs once on a SQLite
//! file and once on PostgreSQL (a throwaway server; see `airdrop_store::testing`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_store::testing::{test_db, TestDb};
use airdrop_store::{
    ApiKeyRow, Backend, CampaignRow, Db, DeploymentRow, JobRow, JobState, NewRelay, NewSubmission,
    NonceUse, RelayState, SignupRow, StoreError, SubmissionStatus, TaskRow,
};
use std::collections::HashSet;

/// A fresh, migrated store of `backend` for one test.
async fn db(backend: Backend) -> TestDb {
    test_db(backend).await.unwrap()
}

airdrop_store::on_both_backends!(setup = super::db;
    api_keys,
    nonces_are_single_use,
    campaigns,
    signups_and_referral_codes,
    tasks_submissions_review_points,
    relay_queue_is_idempotent_and_taken_once,
    relay_queue_lists_a_campaigns_requests,
    jobs,
    files_and_publishing,
    migrations_rerun_and_readiness,
    deployments_are_recorded_per_root,
    edited_states_are_refused,
);

fn key(id: &str) -> ApiKeyRow {
    ApiKeyRow {
        id: id.into(),
        secret_hash: "ab".repeat(32),
        name: "ci".into(),
        scopes: vec!["admin".into(), "reviewer".into()],
        created: 100,
        revoked: None,
    }
}

async fn api_keys(t: TestDb) {
    t.insert_api_key(&key("ak_1")).await.unwrap();
    t.insert_api_key(&key("ak_2")).await.unwrap();
    assert!(matches!(
        t.insert_api_key(&key("ak_1")).await,
        Err(StoreError::Conflict { .. })
    ));
    let k = t.api_key("ak_1").await.unwrap().unwrap();
    assert_eq!(k, key("ak_1"));
    assert!(t.api_key("ak_none").await.unwrap().is_none());
    assert_eq!(t.api_keys().await.unwrap().len(), 2);
    assert!(t.revoke_api_key("ak_1", 200).await.unwrap());
    assert!(!t.revoke_api_key("ak_1", 300).await.unwrap());
    assert_eq!(t.api_key("ak_1").await.unwrap().unwrap().revoked, Some(200));
}

async fn nonces_are_single_use(t: TestDb) {
    t.insert_nonce("n1", 100, 400).await.unwrap();
    t.insert_nonce("n2", 100, 150).await.unwrap();
    assert!(matches!(
        t.insert_nonce("n1", 100, 400).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(t.spend_nonce("n1", 120).await.unwrap(), NonceUse::Spent);
    assert_eq!(t.spend_nonce("n1", 121).await.unwrap(), NonceUse::Replayed);
    assert_eq!(t.spend_nonce("zz", 121).await.unwrap(), NonceUse::Unknown);
    assert_eq!(t.spend_nonce("n2", 150).await.unwrap(), NonceUse::Expired);
    // Many spenders at once, through separate pools: exactly one wins.
    t.insert_nonce("race", 100, 10_000).await.unwrap();
    let other = Db::connect(&t.url).await.unwrap();
    let mut handles = Vec::new();
    for i in 0..16 {
        let db = if i % 2 == 0 {
            t.db.clone()
        } else {
            other.clone()
        };
        handles.push(tokio::spawn(async move {
            db.spend_nonce("race", 200).await.unwrap()
        }));
    }
    let mut spent = 0;
    for h in handles {
        if h.await.unwrap() == NonceUse::Spent {
            spent += 1;
        }
    }
    assert_eq!(spent, 1);
    assert_eq!(t.purge_nonces(160).await.unwrap(), 1);
}

fn campaign(id: &str, created: i64) -> CampaignRow {
    CampaignRow {
        id: id.into(),
        name: format!("Campaign {id}"),
        spec: "[campaign]\nname = \"x\"\n".into(),
        chain_id: 31337,
        signup_deadline: Some(1_000),
        created,
        updated: created,
    }
}

async fn campaigns(t: TestDb) {
    t.put_campaign(&campaign("b", 10)).await.unwrap();
    t.put_campaign(&campaign("a", 20)).await.unwrap();
    let mut changed = campaign("b", 99);
    changed.name = "renamed".into();
    changed.signup_deadline = None;
    t.put_campaign(&changed).await.unwrap();
    let b = t.campaign("b").await.unwrap().unwrap();
    assert_eq!(b.name, "renamed");
    assert_eq!(b.created, 10, "an update keeps the creation time");
    assert_eq!(b.updated, 99);
    assert_eq!(b.signup_deadline, None);
    let ids: Vec<String> = t
        .campaigns()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["a", "b"]);
    assert!(t.campaign("c").await.unwrap().is_none());
}

fn signup(campaign: &str, address: &str, code: &str, created: i64) -> SignupRow {
    SignupRow {
        campaign: campaign.into(),
        address: address.into(),
        referral_code: code.into(),
        referred_by: None,
        message: "example.org wants you to sign in".into(),
        signature: "0x00".into(),
        created,
    }
}

async fn signups_and_referral_codes(t: TestDb) {
    t.insert_signup(&signup("c", "0xA", "code-a", 10))
        .await
        .unwrap();
    let mut b = signup("c", "0xB", "code-b", 5);
    b.referred_by = Some("0xA".into());
    t.insert_signup(&b).await.unwrap();
    // The same wallet elsewhere is another sign-up.
    t.insert_signup(&signup("d", "0xA", "code-a", 10))
        .await
        .unwrap();
    assert!(matches!(
        t.insert_signup(&signup("c", "0xA", "code-x", 11)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        t.insert_signup(&signup("c", "0xC", "code-a", 11)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        t.signup_by_code("c", "code-a")
            .await
            .unwrap()
            .unwrap()
            .address,
        "0xA"
    );
    assert_eq!(t.signup("c", "0xB").await.unwrap().unwrap(), b);
    let order: Vec<String> = t
        .signups("c")
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.address)
        .collect();
    assert_eq!(order, ["0xB", "0xA"]);
    assert_eq!(t.counts("c").await.unwrap(), (2, 0, 0, 0));
}

fn task(id: &str, points: i64, referral: i64) -> TaskRow {
    TaskRow {
        campaign: "c".into(),
        id: id.into(),
        title: format!("Task {id}"),
        description: "do it".into(),
        points,
        referral_points: referral,
        created: 1,
    }
}

fn submit(task: &str, address: &str, referred_by: Option<&str>) -> NewSubmission {
    NewSubmission {
        campaign: "c".into(),
        task: task.into(),
        address: address.into(),
        evidence: "https://example.org/proof".into(),
        referred_by: referred_by.map(str::to_owned),
        created: 50,
    }
}

async fn tasks_submissions_review_points(t: TestDb) {
    t.put_task(&task("follow", 10, 2)).await.unwrap();
    t.put_task(&task("post", 25, 0)).await.unwrap();
    t.put_task(&task("post", 30, 0)).await.unwrap(); // an update
    assert_eq!(t.tasks("c").await.unwrap().len(), 2);
    assert_eq!(t.task("c", "post").await.unwrap().unwrap().points, 30);

    let s1 = t
        .insert_submission(&submit("follow", "0xA", None))
        .await
        .unwrap();
    assert_eq!(s1.status, SubmissionStatus::Pending);
    let s2 = t
        .insert_submission(&submit("post", "0xA", None))
        .await
        .unwrap();
    let s3 = t
        .insert_submission(&submit("follow", "0xB", Some("0xA")))
        .await
        .unwrap();
    let s4 = t
        .insert_submission(&submit("post", "0xB", None))
        .await
        .unwrap();
    assert!(matches!(
        t.insert_submission(&submit("follow", "0xA", None)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(t.submission(s3.id).await.unwrap().unwrap(), s3);

    let r = t
        .review_submission("c", s1.id, SubmissionStatus::Approved, None, "ak_1", 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.status, r.reviewer.as_deref(), r.reviewed),
        (SubmissionStatus::Approved, Some("ak_1"), Some(60))
    );
    // Reviewed once only; the wrong campaign finds nothing.
    assert!(t
        .review_submission(
            "c",
            s1.id,
            SubmissionStatus::Rejected,
            Some("late"),
            "ak_1",
            61
        )
        .await
        .unwrap()
        .is_none());
    assert!(t
        .review_submission("other", s2.id, SubmissionStatus::Approved, None, "ak_1", 61)
        .await
        .unwrap()
        .is_none());
    for id in [s2.id, s3.id] {
        t.review_submission("c", id, SubmissionStatus::Approved, None, "ak_1", 62)
            .await
            .unwrap()
            .unwrap();
    }
    let rej = t
        .review_submission(
            "c",
            s4.id,
            SubmissionStatus::Rejected,
            Some("link is dead"),
            "ak_2",
            64,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rej.reason.as_deref(), Some("link is dead"));

    assert_eq!(
        t.submissions("c", Some(SubmissionStatus::Approved))
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(t.submissions("c", None).await.unwrap().len(), 4);
    assert_eq!(t.submissions_of("c", "0xB").await.unwrap().len(), 2);
    // 0xA: follow 10 + post 30 + the referral of 0xB's follow 2 = 42; 0xB: follow 10.
    let points: Vec<(String, i64)> = t
        .points("c")
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.address, p.points))
        .collect();
    assert_eq!(points, [("0xA".to_string(), 42), ("0xB".to_string(), 10)]);
    assert_eq!(t.counts("c").await.unwrap(), (0, 0, 3, 1));
}

fn relay(index: i64) -> NewRelay {
    NewRelay {
        campaign: "c".into(),
        claim_index: index,
        account: format!("0x{index:040x}"),
        amount: "1000000000000000000".into(),
        nonce: "0".into(),
        payload: "{}".into(),
        created: 10,
    }
}

/// The dashboard's relay list: one campaign's requests, newest first, by state, limited.
async fn relay_queue_lists_a_campaigns_requests(t: TestDb) {
    for i in 1..=3 {
        t.enqueue_relay(&relay(i)).await.unwrap();
    }
    t.enqueue_relay(&NewRelay {
        campaign: "other".into(),
        ..relay(9)
    })
    .await
    .unwrap();
    let taken = t.take_relay("w", 20).await.unwrap().unwrap();
    let ids =
        |rows: Vec<airdrop_store::RelayRow>| rows.iter().map(|r| r.claim_index).collect::<Vec<_>>();
    assert_eq!(ids(t.relays("c", None, 10).await.unwrap()), [3, 2, 1]);
    assert_eq!(ids(t.relays("c", None, 2).await.unwrap()), [3, 2]);
    assert_eq!(
        ids(t
            .relays("c", Some(RelayState::Submitting), 10)
            .await
            .unwrap()),
        [taken.claim_index]
    );
    assert_eq!(
        ids(t.relays("c", Some(RelayState::Queued), 10).await.unwrap()),
        [3, 2]
    );
    assert!(t
        .relays("c", Some(RelayState::Failed), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(ids(t.relays("other", None, 10).await.unwrap()), [9]);
}

async fn relay_queue_is_idempotent_and_taken_once(t: TestDb) {
    let (first, created) = t.enqueue_relay(&relay(7)).await.unwrap();
    assert!(created);
    let (again, created) = t.enqueue_relay(&relay(7)).await.unwrap();
    assert!(!created);
    assert_eq!(first.id, again.id);
    for i in 0..40 {
        t.enqueue_relay(&relay(100 + i)).await.unwrap();
    }
    assert_eq!(t.relay_depth().await.unwrap(), 41);

    // Two "instances" (separate pools), two workers each, drain the queue concurrently.
    let other = Db::connect(&t.url).await.unwrap();
    let mut handles = Vec::new();
    for w in 0..4 {
        let db = if w % 2 == 0 {
            t.db.clone()
        } else {
            other.clone()
        };
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(r) = db.take_relay(&format!("w{w}"), 20).await.unwrap() {
                assert_eq!(r.state, "submitting");
                got.push(r.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 41, "every request taken");
    assert_eq!(unique.len(), 41, "none taken twice");
    assert_eq!(t.relay_depth().await.unwrap(), 0);

    for id in &unique {
        t.finish_relay(*id, RelayState::Submitted, Some("0xabc"), None, 30)
            .await
            .unwrap();
    }
    let done = t.relay(first.id).await.unwrap().unwrap();
    assert_eq!(
        (done.state.as_str(), done.tx_hash.as_deref()),
        ("submitted", Some("0xabc"))
    );
    // A repeated request after submission returns the submitted one.
    let (repeat, created) = t.enqueue_relay(&relay(7)).await.unwrap();
    assert!(!created);
    assert_eq!(repeat.state, "submitted");
    // The same claim signed with the next nonce (a later vesting claim) is a new request.
    let mut next = relay(7);
    next.nonce = "1".into();
    let (later, created) = t.enqueue_relay(&next).await.unwrap();
    assert!(created && later.id != first.id);
    // A failed request is queued again when asked again.
    t.finish_relay(
        unique.iter().copied().max().unwrap(),
        RelayState::Failed,
        None,
        Some("boom"),
        31,
    )
    .await
    .unwrap();
    let last = t
        .relay(unique.iter().copied().max().unwrap())
        .await
        .unwrap()
        .unwrap();
    let (again, created) = t
        .enqueue_relay(&NewRelay {
            claim_index: last.claim_index,
            ..relay(last.claim_index)
        })
        .await
        .unwrap();
    assert!(created);
    assert_eq!(
        (again.id, again.state.as_str(), again.error),
        (last.id, "queued", None)
    );
    // A worker that died mid-submission: its request returns to the queue after a while.
    let taken = t.take_relay("dying", 40).await.unwrap().unwrap();
    assert_eq!(
        t.requeue_stale_relays(40, 50).await.unwrap(),
        0,
        "not stale yet"
    );
    assert_eq!(t.requeue_stale_relays(41, 50).await.unwrap(), 1);
    assert_eq!(t.relay(taken.id).await.unwrap().unwrap().state, "queued");
}

async fn jobs(t: TestDb) {
    let mut j = JobRow {
        id: "job1".into(),
        kind: "build".into(),
        campaign: "c".into(),
        state: JobState::Running,
        done: 0,
        total: 10,
        message: "starting".into(),
        output: None,
        created: 1,
        updated: 1,
    };
    t.put_job(&j).await.unwrap();
    j.done = 10;
    j.state = JobState::Done;
    j.updated = 5;
    j.output = Some("/data/bundle".into());
    t.put_job(&j).await.unwrap();
    assert_eq!(t.job("job1").await.unwrap().unwrap(), j);
    assert!(t.job("nope").await.unwrap().is_none());
    assert_eq!(
        t.last_job("c", "build", JobState::Done).await.unwrap(),
        Some(j.clone())
    );
    assert_eq!(
        t.last_job("c", "build", JobState::Failed).await.unwrap(),
        None
    );

    // Leases: a heartbeat keeps a running job alive; a job not heard from is failed, a finished
    // one is never touched.
    let live = JobRow {
        id: "live".into(),
        state: JobState::Running,
        updated: 100,
        output: None,
        ..j.clone()
    };
    let dead = JobRow {
        id: "dead".into(),
        state: JobState::Queued,
        ..live.clone()
    };
    t.put_job(&live).await.unwrap();
    t.put_job(&dead).await.unwrap();
    t.touch_job("live", 200).await.unwrap();
    t.touch_job("job1", 200).await.unwrap();
    assert_eq!(t.job("job1").await.unwrap().unwrap().updated, 5);
    assert_eq!(t.fail_stale_jobs(150, "gone", 210).await.unwrap(), 1);
    let dead = t.job("dead").await.unwrap().unwrap();
    assert_eq!(
        (dead.state.as_str(), dead.message.as_str(), dead.updated),
        ("failed", "gone", 210)
    );
    assert_eq!(t.job("live").await.unwrap().unwrap().state, "running");
    assert_eq!(t.job("job1").await.unwrap().unwrap().state, "done");
    assert_eq!(t.fail_stale_jobs(150, "gone", 220).await.unwrap(), 0);
}

async fn files_and_publishing(t: TestDb) {
    t.put_campaign(&campaign("c", 1)).await.unwrap();
    let blob: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    t.put_file("c", "holders.csv", &blob, "h1", 5)
        .await
        .unwrap();
    t.put_file("c", "a.csv", b"address\n", "h2", 5)
        .await
        .unwrap();
    t.put_file("c", "holders.csv", &blob[..10], "h3", 6)
        .await
        .unwrap();
    assert_eq!(
        t.file_list("c").await.unwrap(),
        [
            ("a.csv".to_string(), "h2".to_string(), 8),
            ("holders.csv".to_string(), "h3".to_string(), 10)
        ]
    );
    assert_eq!(t.files("c").await.unwrap()[1].1, blob[..10].to_vec());
    assert!(t.files("other").await.unwrap().is_empty());
    assert!(t.published().await.unwrap().is_empty());
    assert!(t
        .set_published("c", "/data/c/bundle", "0xabc", 9)
        .await
        .unwrap());
    assert!(!t.set_published("nope", "/x", "0x", 9).await.unwrap());
    assert_eq!(
        t.published().await.unwrap(),
        [(
            "c".to_string(),
            "/data/c/bundle".to_string(),
            "0xabc".to_string()
        )]
    );

    // A bundle's files: stored whole (binary-safe), replaced as a set, kept apart per bundle.
    assert!(t.bundle_files("/data/c/bundle").await.unwrap().is_empty());
    let files = vec![
        ("claims.csv".to_string(), blob.clone()),
        ("manifest.json".to_string(), b"{}".to_vec()),
    ];
    t.put_bundle_files("/data/c/bundle", &files).await.unwrap();
    t.put_bundle_files("/data/c/other", &files[1..])
        .await
        .unwrap();
    assert_eq!(t.bundle_files("/data/c/bundle").await.unwrap(), files);
    t.put_bundle_files("/data/c/bundle", &files[..1])
        .await
        .unwrap();
    assert_eq!(t.bundle_files("/data/c/bundle").await.unwrap(), files[..1]);
    assert_eq!(t.bundle_files("/data/c/other").await.unwrap(), files[1..]);
}

async fn migrations_rerun_and_readiness(t: TestDb) {
    t.ready().await.unwrap();
    // A second start against the same database finds the schema in place.
    let again = Db::connect(&t.url).await.unwrap();
    again.ready().await.unwrap();
    assert_eq!(again.backend(), t.backend());
}

#[tokio::test]
async fn bad_urls_are_clear_errors() {
    let e = Db::connect("mysql://root:pw@localhost/db")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not supported"), "{e}");
    assert!(!e.to_string().contains("pw@"), "{e}");
    // Nothing listens on port 9 of loopback.
    let e = Db::connect("postgres://app:s3cret@127.0.0.1:9/db")
        .await
        .unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("cannot open database") && !m.contains("s3cret"),
        "{m}"
    );
    let e = Db::connect("sqlite:/nonexistent-dir/x/store.db")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot open database"), "{e}");
}

/// Item 9 of issue 9: a distributor registered for a published root, replaced for the same
/// root, kept apart per root (a republished campaign does not inherit the old distributor).
async fn deployments_are_recorded_per_root(t: TestDb) {
    assert!(t.deployments().await.unwrap().is_empty());
    let d = |root: &str, distributor: &str, block: i64| DeploymentRow {
        campaign: "c".into(),
        root: root.into(),
        distributor: distributor.into(),
        chain_id: 31337,
        block,
        created: 5,
    };
    t.put_deployment(&d("0xaa", "0x01", 7)).await.unwrap();
    t.put_deployment(&d("0xbb", "0x02", 9)).await.unwrap();
    t.put_deployment(&d("0xaa", "0x03", 8)).await.unwrap();
    assert_eq!(
        t.deployments().await.unwrap(),
        vec![d("0xaa", "0x03", 8), d("0xbb", "0x02", 9)]
    );
}

/// Rewrites one text column behind the store's back, as a person editing the database would.
async fn edit(t: &TestDb, sql: &'static str) {
    let pool = sqlx::AnyPool::connect(&t.url).await.unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

fn data_detail(e: StoreError) -> String {
    match e {
        StoreError::Data { detail } => detail,
        other => panic!("expected a stored-data error, got {other}"),
    }
}

async fn edited_states_are_refused(t: TestDb) {
    let job = JobRow {
        id: "job1".into(),
        kind: "build".into(),
        campaign: "c".into(),
        state: JobState::Running,
        done: 0,
        total: 3,
        message: "m".into(),
        output: None,
        created: 1,
        updated: 1,
    };
    t.put_job(&job).await.unwrap();
    // The states are written as the same text as before they were typed: no migration.
    edit(&t, "UPDATE jobs SET state = 'done' WHERE id = 'job1'").await;
    assert_eq!(t.job("job1").await.unwrap().unwrap().state, JobState::Done);
    edit(&t, "UPDATE jobs SET state = 'finished' WHERE id = 'job1'").await;
    assert_eq!(
        data_detail(t.job("job1").await.unwrap_err()),
        "job state \"finished\" is not queued, running, done or failed; the database was edited"
    );

    let (r, _) = t.enqueue_relay(&relay(3)).await.unwrap();
    assert_eq!(r.state, RelayState::Queued);
    edit(&t, "UPDATE relay_requests SET state = 'sent'").await;
    assert_eq!(
        data_detail(t.relay(r.id).await.unwrap_err()),
        "relay state \"sent\" is not queued, submitting, submitted or failed; the database was edited"
    );
}
