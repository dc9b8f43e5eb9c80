use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;

fn queue() -> Arc<WorkQueue<&'static str>> {
    WorkQueue::new(Backoff {
        base: Duration::from_secs(1),
        max: Duration::from_secs(8),
    })
}

/// Starts the run loop; every reconcile reports (key, time since start) and returns `result(key)`.
fn start(
    q: &Arc<WorkQueue<&'static str>>,
    concurrency: usize,
    work: Duration,
    result: fn(&str, usize) -> Result<Action, ()>,
) -> mpsc::UnboundedReceiver<(&'static str, Duration)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let t0 = Instant::now();
    let calls = Arc::new(AtomicUsize::new(0));
    let reconcile = move |key: &'static str, _reason: Reason| {
        let tx = tx.clone();
        let calls = calls.clone();
        async move {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let _ = tx.send((key, t0.elapsed()));
            tokio::time::sleep(work).await;
            result(key, n)
        }
    };
    tokio::spawn(q.clone().run(concurrency, reconcile, std::future::pending()));
    rx
}

#[tokio::test(start_paused = true)]
async fn nothing_runs_before_the_readiness_gate_opens() {
    let q = queue();
    let mut rx = start(&q, 4, Duration::ZERO, |_, _| Ok(Action::Done));
    q.add("a");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(rx.try_recv().is_err());
    q.set_ready();
    assert_eq!(rx.recv().await.unwrap().0, "a");
}

#[tokio::test(start_paused = true)]
async fn duplicate_adds_collapse_into_one_reconcile() {
    let q = queue();
    q.add("a");
    q.add("a");
    q.add_after("a", Duration::from_secs(5));
    q.set_ready();
    let mut rx = start(&q, 4, Duration::ZERO, |_, _| Ok(Action::Done));
    assert_eq!(rx.recv().await.unwrap(), ("a", Duration::ZERO));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        rx.try_recv().is_err(),
        "the later request was folded into the earlier one"
    );
}

#[tokio::test(start_paused = true)]
async fn the_same_key_never_runs_twice_at_once_but_reruns_after() {
    let q = queue();
    q.set_ready();
    let mut rx = start(&q, 4, Duration::from_secs(10), |_, _| Ok(Action::Done));
    q.add("a");
    assert_eq!(rx.recv().await.unwrap(), ("a", Duration::ZERO));
    q.add("a"); // arrives while "a" is running
    let (_, second) = rx.recv().await.unwrap();
    assert_eq!(
        second,
        Duration::from_secs(10),
        "held until the first run finished"
    );
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_bounded() {
    let q = queue();
    q.set_ready();
    let mut rx = start(&q, 2, Duration::from_secs(10), |_, _| Ok(Action::Done));
    for k in ["a", "b", "c"] {
        q.add(k);
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        times.push(rx.recv().await.unwrap().1);
    }
    assert_eq!(
        times,
        vec![Duration::ZERO, Duration::ZERO, Duration::from_secs(10)]
    );
}

#[tokio::test(start_paused = true)]
async fn errors_back_off_exponentially_and_success_resets_the_backoff() {
    let q = queue();
    q.set_ready();
    // Fails on calls 0, 1, 2; succeeds on 3; fails again on 4.
    let mut rx = start(&q, 1, Duration::ZERO, |_, n| {
        if n == 3 { Ok(Action::Done) } else { Err(()) }
    });
    q.add("a");
    let mut times = Vec::new();
    for _ in 0..4 {
        times.push(rx.recv().await.unwrap().1.as_secs());
    }
    assert_eq!(times, vec![0, 1, 3, 7], "1 s, 2 s, 4 s apart");
    q.add("a"); // call 4 fails again: its retry comes after the base delay
    let after_reset = rx.recv().await.unwrap().1.as_secs();
    let next = rx.recv().await.unwrap().1.as_secs();
    assert_eq!(next - after_reset, 1, "the failure count restarted at one");
}

#[tokio::test(start_paused = true)]
async fn a_failing_key_waits_out_its_backoff_when_engine_events_ask_for_it() {
    let q = queue();
    q.set_ready();
    let mut rx = start(&q, 1, Duration::ZERO, |_, n| {
        if n < 2 { Err(()) } else { Ok(Action::Done) }
    });
    q.add("a");
    assert_eq!(rx.recv().await.unwrap().1.as_secs(), 0);
    // Events keep asking for the key during its 1 s backoff (as a failing reconcile's own
    // engine calls would).
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        q.add_event("a");
    }
    let retry = rx.recv().await.unwrap().1;
    assert_eq!(retry.as_secs(), 1, "not before the backoff ends");
    tokio::time::sleep(Duration::from_millis(500)).await;
    q.add("a");
    let changed = rx.recv().await.unwrap().1;
    assert_eq!(changed.as_millis(), 1500, "a change of intent runs it at once");
    q.add_event("a");
    let after_success = rx.recv().await.unwrap().1;
    assert_eq!(after_success.as_millis(), 1500, "a success lifts the hold");
}

#[tokio::test(start_paused = true)]
async fn requeue_after_schedules_the_key_again() {
    let q = queue();
    q.set_ready();
    let mut rx = start(&q, 1, Duration::ZERO, |_, n| {
        Ok(if n == 0 {
            Action::RequeueAfter(Duration::from_secs(30))
        } else {
            Action::Done
        })
    });
    q.add("a");
    rx.recv().await.unwrap();
    assert_eq!(rx.recv().await.unwrap().1, Duration::from_secs(30));
}

/// Runs one reconcile of "a" that takes `work`, asks for shutdown after `stop_after`, and
/// returns (how long `run` took to return, whether the reconcile finished).
async fn shut_down_during(work: Duration, stop_after: Duration) -> (Duration, bool) {
    let q = queue();
    q.add("a");
    q.set_ready();
    let finished = Arc::new(AtomicUsize::new(0));
    let done = finished.clone();
    let reconcile = move |_key: &'static str, _reason: Reason| {
        let done = done.clone();
        async move {
            tokio::time::sleep(work).await;
            done.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(Action::Done)
        }
    };
    let t0 = Instant::now();
    q.run(4, reconcile, tokio::time::sleep(stop_after)).await;
    (t0.elapsed(), finished.load(Ordering::SeqCst) == 1)
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_a_quick_reconcile_in_flight_finish() {
    let (took, finished) = shut_down_during(Duration::from_secs(1), Duration::from_millis(100)).await;
    assert!(finished);
    assert_eq!(took, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn shutdown_abandons_a_reconcile_that_outlasts_the_drain() {
    let (took, finished) = shut_down_during(Duration::from_secs(60), Duration::from_millis(100)).await;
    assert!(!finished, "a stop grace in flight is not waited out");
    assert_eq!(took, Duration::from_millis(100) + SHUTDOWN_DRAIN);
}

#[tokio::test(start_paused = true)]
async fn each_reconcile_is_told_why_its_key_was_queued() {
    let q = queue();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reconcile = move |key: &'static str, reason: Reason| {
        let tx = tx.clone();
        async move {
            let _ = tx.send((key, reason));
            Ok::<_, ()>(if key == "again" && reason == Reason::Resync {
                Action::RequeueAfter(Duration::from_secs(1))
            } else {
                Action::Done
            })
        }
    };
    tokio::spawn(q.clone().run(4, reconcile, std::future::pending()));
    q.set_ready();
    q.add_event("event");
    assert_eq!(rx.recv().await, Some(("event", Reason::EngineEvent)));
    q.add("change");
    assert_eq!(rx.recv().await, Some(("change", Reason::Change)));
    q.add_resync("again");
    assert_eq!(rx.recv().await, Some(("again", Reason::Resync)));
    assert_eq!(rx.recv().await, Some(("again", Reason::Requeue)));
}

#[tokio::test(start_paused = true)]
async fn a_reconcile_that_panics_releases_its_key_and_it_runs_again_after_its_backoff() {
    let q = queue();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let calls = Arc::new(AtomicUsize::new(0));
    let reconcile = move |key: &'static str, reason: Reason| {
        let (tx, calls) = (tx.clone(), calls.clone());
        async move {
            let _ = tx.send((key, reason));
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("a bug in a reconciler");
            }
            Ok::<_, ()>(Action::Done)
        }
    };
    tokio::spawn(q.clone().run(4, reconcile, std::future::pending()));
    q.set_ready();
    q.add("k");
    assert_eq!(rx.recv().await, Some(("k", Reason::Change)));
    assert_eq!(
        rx.recv().await,
        Some(("k", Reason::Retry)),
        "the key was not left marked running"
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(q.running(), 0);
}
