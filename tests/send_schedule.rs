//! The background sender's decisions (src/send_schedule.rs) on a fake clock: when a
//! round runs, how long the loop sleeps, and the pauses after a held lock or a round
//! that could not deliver.
#![cfg(not(target_arch = "wasm32"))]

use video_session_sdk::send_schedule::{
    Next, Outcome, SendSchedule, ADOPT_EVERY_MS, LOCK_RETRY_MS, STALL_PAUSE_MS,
};

const T: f64 = 1_705_314_600_000.0;

/// A schedule whose first (adoption) round has run at `T`.
fn started() -> SendSchedule {
    let mut s = SendSchedule::default();
    assert_eq!(
        s.next(T, false, None),
        Next::Round { force: false },
        "the first look adopts"
    );
    s.after(T, Outcome::Ran { progressed: false }, false, 0);
    s
}

#[test]
fn idle_it_sleeps_until_the_next_adoption_round() {
    let mut s = started();
    assert_eq!(
        s.next(T + 10.0, false, None),
        Next::Sleep((ADOPT_EVERY_MS - 10.0) as u64)
    );
    assert_eq!(
        s.next(T + ADOPT_EVERY_MS, false, None),
        Next::Round { force: false }
    );
}

#[test]
fn it_wakes_for_the_clients_wake_time_and_at_least_a_millisecond_later() {
    let mut s = started();
    assert_eq!(s.next(T + 100.0, false, Some(T + 600.0)), Next::Sleep(500));
    assert_eq!(
        s.next(T + 600.0, false, Some(T + 600.0)),
        Next::Round { force: false }
    );
    // A wake time a fraction of a ms away still sleeps 1 ms, never 0 (no busy loop).
    let mut s = started();
    assert_eq!(s.next(T, false, Some(T + 0.25)), Next::Sleep(1));
}

#[test]
fn a_trigger_forces_a_round_at_once() {
    let mut s = started();
    assert_eq!(
        s.next(T + 5.0, true, Some(T + 60_000.0)),
        Next::Round { force: true }
    );
}

#[test]
fn a_held_lock_is_tried_again_after_a_second_and_some_jitter() {
    let mut s = started();
    s.after(T, Outcome::Locked, true, 1_234);
    let retry = LOCK_RETRY_MS + 234.0;
    // Due ops wait for the retry time, not for the lock to be free by chance.
    assert_eq!(
        s.next(T + 1.0, false, Some(T)),
        Next::Sleep((retry - 1.0) as u64)
    );
    assert_eq!(
        s.next(T + retry, false, Some(T)),
        Next::Round { force: false }
    );
    // Two instances with different jitter do not retry in step.
    let mut other = started();
    other.after(T, Outcome::Locked, true, 99);
    assert_ne!(
        other.next(T + 1.0, false, Some(T)),
        s.next(T + 1.0, false, Some(T))
    );
}

#[test]
fn a_round_that_delivers_nothing_while_ops_are_due_pauses() {
    let mut s = started();
    s.after(T, Outcome::Ran { progressed: false }, true, 0);
    assert_eq!(
        s.next(T + 1.0, false, Some(T)),
        Next::Sleep((STALL_PAUSE_MS - 1.0) as u64)
    );
    // Progress, or nothing left due, clears the pause.
    s.after(T + 2.0, Outcome::Ran { progressed: true }, true, 0);
    assert_eq!(
        s.next(T + 3.0, false, Some(T)),
        Next::Round { force: false }
    );
    s.after(T + 4.0, Outcome::Ran { progressed: false }, false, 0);
    assert_eq!(
        s.next(T + 5.0, false, Some(T)),
        Next::Round { force: false }
    );
}
