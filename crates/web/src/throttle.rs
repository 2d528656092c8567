//! A small in-process token bucket per network address, for the public searches: a
//! person searching never meets it, a script hammering them gets 429 with Retry-After
//! instead of slowing every other page down. Signed-in users are not limited.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Searches an address may make at once, then how many a second it gets back.
pub const SEARCH_BURST: f64 = 60.0;
pub const SEARCH_PER_SECOND: f64 = 4.0;
/// Addresses remembered at most; past it, those whose bucket is full again are forgotten
/// (they are in the state a new address starts in), then the oldest.
const MAX_PEERS: usize = 20_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
pub struct Throttle {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// The key of a peer: its IPv4 address, or the /64 network of an IPv6 one (a single
/// host usually holds a whole /64, and could otherwise rotate addresses at will).
pub fn peer_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(|| ip.to_owned(), |v4| v4.to_string()),
        _ => ip.to_owned(),
    }
}

impl Throttle {
    pub fn new(burst: f64, per_second: f64) -> Self {
        Throttle {
            burst,
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn for_search() -> Self {
        Throttle::new(SEARCH_BURST, SEARCH_PER_SECOND)
    }

    /// Takes one token for this peer: Ok, or Err(seconds until one is back).
    pub fn take(&self, peer: &str, now: Instant) -> Result<(), u64> {
        let key = peer_key(peer);
        let Ok(mut buckets) = self.buckets.lock() else {
            // A poisoned lock means a panic elsewhere: do not take the searches down too.
            return Ok(());
        };
        if buckets.len() >= MAX_PEERS && !buckets.contains_key(&key) {
            self.forget_idle(&mut buckets, now);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }

    fn forget_idle(&self, buckets: &mut HashMap<String, Bucket>, now: Instant) {
        let full_after = self.burst / self.per_second;
        buckets.retain(|_, b| now.saturating_duration_since(b.at).as_secs_f64() < full_after);
        if buckets.len() >= MAX_PEERS {
            let mut ages: Vec<Instant> = buckets.values().map(|b| b.at).collect();
            ages.sort_unstable();
            if let Some(cut) = ages.get(ages.len() / 2).copied() {
                buckets.retain(|_, b| b.at > cut);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_then_a_steady_rate_per_peer() {
        let t = Throttle::new(3.0, 2.0);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(t.take("10.0.0.1", now), Ok(()));
        }
        assert_eq!(t.take("10.0.0.1", now), Err(1));
        // Another address has its own bucket.
        assert_eq!(t.take("10.0.0.2", now), Ok(()));
        // Half a second gives one search back at 2 a second.
        let later = now + Duration::from_millis(500);
        assert_eq!(t.take("10.0.0.1", later), Ok(()));
        assert_eq!(t.take("10.0.0.1", later), Err(1));
    }

    #[test]
    fn ipv6_peers_share_their_64_and_mapped_ipv4_is_ipv4() {
        assert_eq!(peer_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(peer_key("2001:db8:1:2::9"), "2001:db8:1:2::/64");
        assert_eq!(peer_key("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(peer_key("10.0.0.1"), "10.0.0.1");
        assert_eq!(peer_key("unknown"), "unknown");
    }

    #[test]
    fn memory_stays_bounded() {
        let t = Throttle::new(2.0, 1.0);
        let now = Instant::now();
        for i in 0..(MAX_PEERS + 10) {
            let _ = t.take(
                &format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
                now,
            );
        }
        let len = t.buckets.lock().map(|b| b.len()).unwrap_or(usize::MAX);
        assert!(len <= MAX_PEERS, "{len}");
    }
}
