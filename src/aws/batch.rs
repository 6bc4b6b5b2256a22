//! Coalesces concurrent single-item reads into AWS batch calls.
//!
//! Terraform refreshes and plans many resources at once (`-parallelism`, 10 by default), and each of them
//! would otherwise ask for its own deployment group, its own ECS service, its own listener. AWS takes these
//! in batches (100 deployment groups, 10 services, 20 load balancers a call). The pattern is a group commit:
//! a new batch waits two milliseconds for company, and the requests that arrive while a call for the same
//! scope (an application, a cluster) is in flight go together in the next call.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// How long a new batch waits for company before its first call: Terraform's concurrent requests arrive
/// within a millisecond or two of each other.
const GATHER: std::time::Duration = std::time::Duration::from_millis(2);

type Waiter<K, V, E> = (K, oneshot::Sender<Result<Option<V>, E>>);

struct Scope<K, V, E> {
    busy: bool,
    queue: Vec<Waiter<K, V, E>>,
}

/// Batches single-key reads per scope; share one (in an `Arc`) among all callers.
pub struct Coalescer<S, K, V, E> {
    max: usize,
    scopes: Mutex<HashMap<S, Scope<K, V, E>>>,
}

impl<S, K, V, E> Coalescer<S, K, V, E>
where
    S: Eq + Hash + Clone + Send + 'static,
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + 'static,
    E: Clone + Send + 'static,
{
    /// `max` is the batch call's limit of distinct keys.
    pub fn new(max: usize) -> Self {
        Coalescer {
            max: max.max(1),
            scopes: Mutex::new(HashMap::new()),
        }
    }

    /// The value for `key`, fetched together with whatever else is asked for in `scope` meanwhile.
    /// `fetch` gets the distinct keys of one batch and returns what it found (absent keys mean "none").
    /// The calls run on their own task, so a caller that gives up does not strand the others.
    pub async fn get<F, Fut>(self: &Arc<Self>, scope: S, key: K, fetch: F) -> Result<Option<V>, E>
    where
        F: Fn(S, Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<HashMap<K, V>, E>> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let start_driver = {
            let mut scopes = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
            let entry = scopes.entry(scope.clone()).or_insert_with(|| Scope {
                busy: false,
                queue: Vec::new(),
            });
            entry.queue.push((key, tx));
            !std::mem::replace(&mut entry.busy, true)
        };
        if start_driver {
            tokio::spawn(self.clone().drive(scope, fetch));
        }
        rx.await.unwrap_or(Ok(None))
    }

    /// Sends batches for `scope` until its queue is empty.
    async fn drive<F, Fut>(self: Arc<Self>, scope: S, fetch: F)
    where
        F: Fn(S, Vec<K>) -> Fut,
        Fut: Future<Output = Result<HashMap<K, V>, E>>,
    {
        tokio::time::sleep(GATHER).await;
        loop {
            let batch = {
                let mut scopes = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
                let Some(entry) = scopes.get_mut(&scope) else {
                    return;
                };
                if entry.queue.is_empty() {
                    scopes.remove(&scope);
                    return;
                }
                take_distinct(&mut entry.queue, self.max)
            };
            let mut keys: Vec<K> = Vec::new();
            for (key, _) in &batch {
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
            let result = fetch(scope.clone(), keys).await;
            for (key, tx) in batch {
                let answer = match &result {
                    Ok(found) => Ok(found.get(&key).cloned()),
                    Err(err) => Err(err.clone()),
                };
                let _ = tx.send(answer);
            }
        }
    }
}

/// Removes from `queue` the waiters of its first `max` distinct keys.
fn take_distinct<K: Eq + Hash + Clone, T>(queue: &mut Vec<(K, T)>, max: usize) -> Vec<(K, T)> {
    let mut keys = std::collections::HashSet::new();
    let mut taken = Vec::new();
    let mut rest = Vec::new();
    for (key, value) in queue.drain(..) {
        if keys.contains(&key) || keys.len() < max {
            keys.insert(key.clone());
            taken.push((key, value));
        } else {
            rest.push((key, value));
        }
    }
    *queue = rest;
    taken
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_gets_share_calls_and_full_batches_split() {
        let coalescer = Arc::new(Coalescer::<&str, u32, u32, String>::new(10));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for key in 0..31u32 {
            let coalescer = coalescer.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                coalescer
                    .get("cluster", key, move |_, keys: Vec<u32>| {
                        let calls = calls.clone();
                        async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            assert!(keys.len() <= 10, "batch of {}", keys.len());
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(keys
                                .into_iter()
                                .filter(|k| k % 5 != 0)
                                .map(|k| (k, k * 2))
                                .collect())
                        }
                    })
                    .await
            }));
        }
        for (key, task) in tasks.into_iter().enumerate() {
            let got = task.await.expect("task");
            let key = key as u32;
            assert_eq!(got, Ok((key % 5 != 0).then_some(key * 2)));
        }
        let made = calls.load(Ordering::SeqCst);
        assert!(
            (4..=6).contains(&made),
            "31 keys arriving together take a few calls of at most 10, not 31: {made}"
        );
    }

    #[tokio::test]
    async fn an_error_reaches_every_caller_of_the_batch() {
        let coalescer = Arc::new(Coalescer::<(), u32, u32, String>::new(100));
        let mut tasks = Vec::new();
        for key in 0..3 {
            let c = coalescer.clone();
            tasks.push(tokio::spawn(async move {
                c.get((), key, |_, _| async {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    Err("throttled".to_string())
                })
                .await
            }));
        }
        for task in tasks {
            assert_eq!(task.await.expect("task"), Err("throttled".to_string()));
        }
    }

    #[test]
    fn take_distinct_keeps_duplicates_of_taken_keys_together() {
        let mut queue = vec![(1, 'a'), (2, 'b'), (1, 'c'), (3, 'd')];
        let taken = take_distinct(&mut queue, 2);
        assert_eq!(taken, vec![(1, 'a'), (2, 'b'), (1, 'c')]);
        assert_eq!(queue, vec![(3, 'd')]);
    }
}
