//! The planner and outcome rules, case by case, without a client or a clock.
use super::*;
use serde_json::json;

fn rec(op: &str, kind: OpKind, session: &str) -> OpRecord {
    let at = "2024-01-15T10:30:00.000Z";
    OpRecord {
        user_id: None,
        ..crate::record::sample(op, crate::record::plain_op(kind), session, at)
    }
}

fn cands<'a>(keys: &'a [String], recs: &'a [OpRecord]) -> Vec<Candidate<'a>> {
    keys.iter()
        .zip(recs)
        .map(|(key, rec)| Candidate {
            key,
            rec,
            bytes: rec.to_json().len(),
            foldable: false,
        })
        .collect()
}

fn fixture() -> (Vec<String>, Vec<OpRecord>) {
    let recs = vec![
        rec("a", OpKind::StartSession, "s1"),
        rec("b", OpKind::MarkConnected, "s1"),
        rec("c", OpKind::StartSession, "s2"),
    ];
    (vec!["k1".into(), "k2".into(), "k3".into()], recs)
}

#[test]
fn sends_in_order_up_to_batch_size() {
    let (keys, recs) = fixture();
    let d = Delivery::new(5);
    assert_eq!(d.plan(&[], 0.0, 50, false), Plan::Idle);
    assert_eq!(
        d.plan(&cands(&keys, &recs), 0.0, 2, false),
        Plan::Send {
            keys: vec!["k1".into(), "k2".into()]
        }
    );
    assert_eq!(
        d.plan(&cands(&keys, &recs), 0.0, 500, false),
        Plan::Send { keys: keys.clone() }
    );
}

#[test]
fn network_errors_back_off_without_using_attempts() {
    let (keys, recs) = fixture();
    let c = cands(&keys, &recs);
    let mut d = Delivery::new(1);
    let out = d.on_outcome(&c, Err(TransportError::Network("down".into())), 1000.0, 999);
    assert!(out.dead.is_empty());
    assert_eq!(out.reachable, Some(false));
    let retry = out.retry.unwrap();
    assert!(!retry.counts && retry.delay_ms <= 1000);
    assert!(matches!(
        d.plan(&c, 1000.0, 50, false),
        Plan::Wait { .. } | Plan::Send { .. }
    ));
    assert!(matches!(d.plan(&c, 1000.0, 50, true), Plan::Send { .. }));
}

#[test]
fn retry_after_sets_the_wait_and_attempts_run_out() {
    let (keys, mut recs) = fixture();
    recs[0].attempts = 3;
    let c = cands(&keys, &recs);
    let mut d = Delivery::new(4);
    let out = d.on_outcome(
        &c,
        Err(TransportError::Http {
            status: 429,
            retry_after_ms: Some(7000),
            body: String::new(),
        }),
        0.0,
        0,
    );
    assert_eq!(out.retry.as_ref().unwrap().delay_ms, 7000);
    assert_eq!(
        d.plan(&c[2..], 10.0, 50, false),
        Plan::Wait { until: 7000.0 }
    );
    assert_eq!(out.dead.len(), 1);
    assert_eq!(out.dead[0].code, "RETRIES_EXHAUSTED");
}

#[test]
fn a_stored_attempts_count_at_its_maximum_saturates() {
    let (keys, mut recs) = fixture();
    recs[0].attempts = u32::MAX;
    let c = cands(&keys[..1], &recs[..1]);
    let mut d = Delivery::new(25);
    let out = d.on_outcome(&c, http(503), 0.0, 0);
    assert_eq!(out.dead.len(), 1);
    assert_eq!(out.dead[0].code, "RETRIES_EXHAUSTED");
    assert!(
        out.dead[0].reason.contains("4294967295"),
        "{}",
        out.dead[0].reason
    );
}

#[test]
fn per_op_rejection_cascades_to_the_session() {
    let (keys, recs) = fixture();
    let c = cands(&keys, &recs);
    let mut d = Delivery::new(5);
    let reply = json!({"results": [
        {"opId": "a", "status": "rejected", "error": {"code": "INVALID_ARGUMENT", "message": "bad"}},
        {"opId": "c", "status": "applied", "value": {}}
    ]});
    let out = d.on_outcome(
        &c[..1].iter().chain(&c[2..]).copied().collect::<Vec<_>>(),
        Ok(reply),
        0.0,
        0,
    );
    assert_eq!(out.delivered.len(), 1);
    assert_eq!(out.dead.len(), 1);
    let rest = cands(&keys[1..2], &recs[1..2]);
    match d.plan(&rest, 0.0, 50, false) {
        Plan::Cascade { dead } => assert_eq!(dead[0].code, "INVALID_ARGUMENT"),
        p => panic!("{p:?}"),
    }
}

#[test]
fn whole_batch_function_error_isolates_then_blames_one() {
    let (keys, recs) = fixture();
    let c = cands(&keys, &recs);
    let mut d = Delivery::new(5);
    let err = TransportError::Function {
        message: "boom".into(),
        data: None,
    };
    let out = d.on_outcome(&c, Err(err.clone()), 0.0, 0);
    assert!(out.isolating && out.dead.is_empty());
    assert_eq!(
        d.plan(&c, 0.0, 50, false),
        Plan::Send {
            keys: vec!["k1".into()]
        }
    );
    let ok = json!({"results": [{"opId": "a", "status": "applied", "value": {}}]});
    assert_eq!(d.on_outcome(&c[..1], Ok(ok), 0.0, 0).delivered.len(), 1);
    assert_eq!(
        d.plan(&c[1..], 0.0, 50, false),
        Plan::Send {
            keys: vec!["k2".into()]
        }
    );
    let out = d.on_outcome(&c[1..2], Err(err), 0.0, 0);
    assert_eq!(out.dead.len(), 1);
    assert_eq!(out.dead[0].code, "REJECTED");
    assert_eq!(
        d.plan(&c[2..], 0.0, 50, false),
        Plan::Send {
            keys: vec!["k3".into()]
        }
    );
}

#[test]
fn unauthorised_batch_waits_for_a_token_and_loses_nothing() {
    let (keys, recs) = fixture();
    let c = cands(&keys, &recs);
    let mut d = Delivery::new(1);
    let out = d.on_outcome(
        &c,
        Err(TransportError::Http {
            status: 401,
            retry_after_ms: None,
            body: "no".into(),
        }),
        0.0,
        u64::MAX,
    );
    assert!(out.dead.is_empty(), "{out:?}");
    let retry = out.retry.expect("a 401 is retried");
    assert!(!retry.counts, "a 401 must not use up attempts");
    assert!(matches!(d.plan(&c, 1.0, 50, false), Plan::Wait { .. }));
    assert_eq!(d.plan(&c, 1.0, 50, true), Plan::Send { keys: keys.clone() });
}

#[test]
fn an_unauthenticated_function_error_waits_like_a_401() {
    // What a Convex deployment with auth configured answers a call without a token:
    // a ConvexError coded UNAUTHENTICATED for the whole batch, not an HTTP 401.
    let (keys, recs) = fixture();
    let c = cands(&keys, &recs);
    let mut d = Delivery::new(1);
    let out = d.on_outcome(
        &c,
        Err(TransportError::Function {
            message: "[Request ID: 1] Server Error".into(),
            data: Some(json!({"code": "UNAUTHENTICATED"})),
        }),
        0.0,
        u64::MAX,
    );
    assert!(out.dead.is_empty(), "{out:?}");
    assert!(!out.isolating, "{out:?}");
    let retry = out.retry.expect("an UNAUTHENTICATED batch is retried");
    assert!(!retry.counts, "UNAUTHENTICATED must not use up attempts");
    assert!(matches!(d.plan(&c, 1.0, 50, false), Plan::Wait { .. }));
    assert_eq!(d.plan(&c, 1.0, 50, true), Plan::Send { keys: keys.clone() });
}

#[test]
fn a_repeated_op_id_in_the_reply_counts_its_last_result() {
    let (keys, recs) = fixture();
    let c = cands(&keys[..1], &recs[..1]);
    let mut d = Delivery::new(5);
    let reply = json!({"results": [
        {"opId": "a", "status": "rejected", "error": {"code": "NOT_FOUND"}},
        {"opId": "a", "status": "applied", "value": {"sessionId": "x"}}
    ]});
    let out = d.on_outcome(&c, Ok(reply), 0.0, 0);
    assert!(out.dead.is_empty());
    assert_eq!(
        out.delivered,
        vec![("k1".to_string(), false, json!({"sessionId": "x"}))]
    );
}

#[test]
fn a_dead_session_is_marked_once_with_its_first_code() {
    let (keys, recs) = fixture();
    let mut d = Delivery::new(5);
    d.mark_session_dead("s1", "NOT_FOUND");
    d.mark_session_dead("s1", "FORBIDDEN");
    match d.plan(&cands(&keys, &recs), 0.0, 50, false) {
        Plan::Cascade { dead } => {
            assert_eq!(dead.len(), 2);
            assert!(dead.iter().all(|x| x.code == "NOT_FOUND"));
            assert_eq!(dead[0].key, "k1");
            assert_eq!(dead[1].key, "k2");
        }
        other => panic!("expected a cascade, got {other:?}"),
    }
}

fn http(status: u16) -> Result<Value, TransportError> {
    Err(TransportError::Http {
        status,
        retry_after_ms: None,
        body: String::new(),
    })
}

fn sized(n: usize, bytes: usize) -> (Vec<String>, Vec<OpRecord>, Vec<usize>) {
    let keys = (0..n).map(|i| format!("k{i:03}")).collect();
    let recs = (0..n)
        .map(|i| rec(&format!("o{i}"), OpKind::ReportQualityIssue, "s"))
        .collect();
    (keys, recs, vec![bytes; n])
}

fn with_bytes<'a>(keys: &'a [String], recs: &'a [OpRecord], bytes: &[usize]) -> Vec<Candidate<'a>> {
    keys.iter()
        .zip(recs)
        .zip(bytes)
        .map(|((key, rec), &bytes)| Candidate {
            key,
            rec,
            bytes,
            foldable: false,
        })
        .collect()
}

fn sent_keys(p: Plan) -> Vec<String> {
    match p {
        Plan::Send { keys } => keys,
        p => panic!("expected a send, got {p:?}"),
    }
}

#[test]
fn a_batch_stops_at_the_byte_cap() {
    let (keys, recs, bytes) = sized(100, 13_000);
    let c = with_bytes(&keys, &recs, &bytes);
    let d = Delivery::new(5);
    let first = sent_keys(d.plan(&c, 0.0, 100, false));
    assert!(first.len() > 1 && first.len() < 100, "{}", first.len());
    assert!(first.len() * 13_001 <= MAX_BATCH_BYTES);
    // A smaller cap from the options is honoured too.
    let mut small = Delivery::new(5);
    small.max_batch_bytes = 64 * 1024;
    assert!(sent_keys(small.plan(&c, 0.0, 100, false)).len() < first.len());
}

#[test]
fn an_op_larger_than_any_batch_is_dead_lettered_too_large_without_sending() {
    let (keys, recs, mut bytes) = sized(3, 100);
    bytes[1] = 10 * 1024 * 1024;
    let c = with_bytes(&keys, &recs, &bytes);
    let d = Delivery::new(5);
    match d.plan(&c, 0.0, 100, false) {
        Plan::Cascade { dead } => {
            assert_eq!(dead.len(), 1);
            assert_eq!(dead[0].key, "k001");
            assert_eq!(dead[0].code, "TOO_LARGE");
        }
        p => panic!("{p:?}"),
    }
    // Without it, the others go out together.
    let rest: Vec<Candidate<'_>> = [c[0], c[2]].into();
    assert_eq!(sent_keys(d.plan(&rest, 0.0, 100, false)).len(), 2);
}

#[test]
fn a_413_halves_the_batch_without_using_attempts_then_lifts() {
    let (keys, recs, bytes) = sized(8, 100);
    let c = with_bytes(&keys, &recs, &bytes);
    let mut d = Delivery::new(1);
    let out = d.on_outcome(&c, http(413), 0.0, 0);
    assert!(out.dead.is_empty() && out.retry.is_none(), "{out:?}");
    assert_eq!(out.reachable, Some(true));
    let half = sent_keys(d.plan(&c, 0.0, 100, false));
    assert_eq!(half.len(), 4, "sent at once, no backoff");
    // Still too large: halved again.
    assert!(d.on_outcome(&c[..4], http(413), 0.0, 0).dead.is_empty());
    assert_eq!(sent_keys(d.plan(&c, 0.0, 100, false)).len(), 2);
    let ok = |from: usize, to: usize| {
        let results: Vec<Value> = (from..to)
            .map(|i| json!({"opId": format!("o{i}"), "status": "applied", "value": {}}))
            .collect();
        Ok(json!({ "results": results }))
    };
    let mut at = 0;
    while at < 8 {
        let n = sent_keys(d.plan(&c[at..], 0.0, 100, false)).len();
        assert_eq!(n, 2, "the cap holds until the refused ops are out");
        assert_eq!(
            d.on_outcome(&c[at..at + n], ok(at, at + n), 0.0, 0)
                .delivered
                .len(),
            n
        );
        at += n;
    }
    let (keys, recs, bytes) = sized(8, 100);
    let c = with_bytes(&keys, &recs, &bytes);
    assert_eq!(sent_keys(d.plan(&c, 0.0, 100, false)).len(), 8, "lifted");
}

#[test]
fn a_single_op_refused_with_413_is_dead_lettered_too_large() {
    let (keys, recs) = fixture();
    let c = cands(&keys, &recs);
    let mut d = Delivery::new(25);
    let out = d.on_outcome(&c[..1], http(413), 0.0, 0);
    assert_eq!(out.dead.len(), 1);
    assert_eq!(out.dead[0].code, "TOO_LARGE");
    assert!(out.retry.is_none());
    // It was a start: its session's later ops follow it, the others go on.
    match d.plan(&c[1..], 0.0, 100, false) {
        Plan::Cascade { dead } => assert_eq!(dead[0].key, "k2"),
        p => panic!("{p:?}"),
    }
    assert_eq!(sent_keys(d.plan(&c[2..], 0.0, 100, false)), ["k3"]);
}

/// Three ops, the one at `report` a network report still taking samples.
fn folding<'a>(keys: &'a [String], recs: &'a [OpRecord], report: usize) -> Vec<Candidate<'a>> {
    cands(keys, recs)
        .into_iter()
        .enumerate()
        .map(|(i, c)| Candidate {
            foldable: i == report,
            ..c
        })
        .collect()
}

#[test]
fn after_a_failure_a_report_still_folding_waits_with_everything_after_it() {
    let (keys, recs) = fixture();
    let c = folding(&keys, &recs, 1);
    let mut d = Delivery::new(5);
    // Online: the report goes out with the rest.
    assert_eq!(sent_keys(d.plan(&c, 0.0, 50, true)), ["k1", "k2", "k3"]);
    d.on_outcome(&c, Err(TransportError::Network("down".into())), 0.0, 0);
    // Probing the outage: only the ops before the report, so it keeps folding.
    assert_eq!(sent_keys(d.plan(&c, 0.0, 50, true)), ["k1"]);
    // A report first in line still goes, or nothing would probe.
    let first = folding(&keys, &recs, 0);
    assert_eq!(sent_keys(d.plan(&first, 0.0, 50, true)), ["k1", "k2", "k3"]);
    // Once an attempt succeeds, nothing is held back.
    let ok = json!({"results": [{"opId": "a", "status": "applied", "value": {}}]});
    assert_eq!(d.on_outcome(&c[..1], Ok(ok), 0.0, 0).delivered.len(), 1);
    assert_eq!(sent_keys(d.plan(&c[1..], 0.0, 50, false)), ["k2", "k3"]);
}

#[test]
fn a_held_back_suffix_is_not_dead_lettered_while_it_waits() {
    // The cascade of a dead session applies only to what may be sent now; the
    // held-back ops are judged when they come up.
    let (keys, recs) = fixture();
    let c = folding(&keys, &recs, 1);
    let mut d = Delivery::new(5);
    d.on_outcome(&c, Err(TransportError::Network("down".into())), 0.0, 0);
    d.mark_session_dead("s2", "REJECTED");
    assert_eq!(sent_keys(d.plan(&c, 0.0, 50, true)), ["k1"]);
}
