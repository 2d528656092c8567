//! Figures computed lately, served from memory for a while: aggregates over a whole
//! programme (a million rows at scale) that readers need of the minute, not of the
//! second. One computation at a time: readers arriving meanwhile wait for it rather
//! than scan the same rows again.

use std::collections::HashMap;
use std::hash::Hash;

use crate::AppError;

pub(crate) struct Recent<K, V> {
    ttl_ms: i64,
    entries: tokio::sync::Mutex<HashMap<K, (i64, V)>>,
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    pub(crate) fn new(ttl_ms: i64) -> Self {
        Recent {
            ttl_ms,
            entries: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The value computed less than the time to live ago, else computed now (and kept
    /// only if the computation succeeds).
    pub(crate) async fn get_or_compute<F>(
        &self,
        key: K,
        now: i64,
        compute: F,
    ) -> Result<V, AppError>
    where
        F: AsyncFnOnce() -> Result<V, AppError>,
    {
        let mut entries = self.entries.lock().await;
        if let Some((at, value)) = entries.get(&key)
            && now - at < self.ttl_ms
        {
            return Ok(value.clone());
        }
        let value = compute().await?;
        entries.retain(|_, (at, _)| now - *at < self.ttl_ms);
        entries.insert(key, (now, value.clone()));
        Ok(value)
    }

    /// The data changed: the next read computes again (in this process; others within
    /// the time to live).
    pub(crate) async fn clear(&self) {
        self.entries.lock().await.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_a_value_until_it_expires_or_is_cleared() -> Result<(), AppError> {
        let recent: Recent<u8, u32> = Recent::new(1_000);
        let computed = std::sync::atomic::AtomicU32::new(0);
        let compute = async || Ok(computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        assert_eq!(recent.get_or_compute(1, 0, compute).await?, 0);
        assert_eq!(
            recent.get_or_compute(1, 999, compute).await?,
            0,
            "still fresh"
        );
        assert_eq!(
            recent.get_or_compute(2, 999, compute).await?,
            1,
            "another key"
        );
        assert_eq!(
            recent.get_or_compute(1, 1_000, compute).await?,
            2,
            "expired"
        );
        recent.clear().await;
        assert_eq!(
            recent.get_or_compute(1, 1_001, compute).await?,
            3,
            "cleared"
        );
        let failing = async || Err::<u32, _>(AppError::Internal("down".into()));
        recent.clear().await;
        assert!(recent.get_or_compute(1, 1_002, failing).await.is_err());
        assert_eq!(
            recent.get_or_compute(1, 1_003, compute).await?,
            4,
            "a failure is not kept"
        );
        Ok(())
    }
}
