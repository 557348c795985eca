//! Network-quality samples, folded where they are taken.
//!
//! Apps sample `RTCPeerConnection.getStats()` every few seconds; an hour-long call is
//! ≈ 1,000 samples. Storing or sending each would make a call's cost grow with its
//! length, so a sample is folded into a [`Summary`] per metric at once — count, min,
//! max, sum and a fixed histogram — and summaries are what is stored, delivered and
//! kept on the session. Folding is associative and order-free in every field but the
//! float `sum` (whose order both backends share: the order ops arrive in), so a
//! summary merged from partial summaries equals one folded from all the samples, and
//! the p95 read from the histogram is the same wherever it is computed.
//!
//! A single sample is the summary of one sample ([`Summary::of`]), which is how the
//! `reportNetworkStats` mutation accepts both a sample (a number) and a summary (an
//! object) for each metric.
//!
//! Invariants of a valid summary ([`Summary::check`]): `count ≥ 1`; the buckets add
//! up to `count`; `0 ≤ min ≤ max ≤` the metric's ceiling; `min` lies in the first
//! non-empty bucket and `max` in the last; `count·min ≤ sum ≤ count·max` (within float
//! rounding).

use serde_json::{Map, Value};

/// Buckets of every histogram: `BOUNDS.len()` closed upper bounds, then one open bucket.
pub const BUCKETS: usize = 10;

/// One measured quantity of a call's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    RttMs,
    JitterMs,
    PacketLossPct,
    BitrateKbps,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::RttMs,
        Metric::JitterMs,
        Metric::PacketLossPct,
        Metric::BitrateKbps,
    ];

    /// The argument and field name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::RttMs => "rttMs",
            Metric::JitterMs => "jitterMs",
            Metric::PacketLossPct => "packetLossPct",
            Metric::BitrateKbps => "bitrateKbps",
        }
    }

    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The largest value a sample may have (a minute of delay, all packets lost,
    /// 100 Mbit/s): beyond it a sample is a unit mistake, refused rather than folded.
    pub fn ceiling(self) -> f64 {
        match self {
            Metric::RttMs | Metric::JitterMs => 60_000.0,
            Metric::PacketLossPct => 100.0,
            Metric::BitrateKbps => 100_000.0,
        }
    }

    /// The closed upper bounds of the first `BUCKETS - 1` buckets, chosen so the
    /// boundaries people reason about (150 ms RTT, 30 ms jitter, 1 % and 5 % loss,
    /// 500 kbit/s) fall on bucket edges.
    pub fn bounds(self) -> [f64; BUCKETS - 1] {
        match self {
            Metric::RttMs => [
                25.0, 50.0, 100.0, 150.0, 200.0, 300.0, 500.0, 1000.0, 2000.0,
            ],
            Metric::JitterMs => [5.0, 10.0, 20.0, 30.0, 50.0, 75.0, 100.0, 200.0, 500.0],
            Metric::PacketLossPct => [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0],
            Metric::BitrateKbps => [
                100.0, 250.0, 500.0, 1000.0, 1500.0, 2500.0, 4000.0, 8000.0, 20000.0,
            ],
        }
    }

    /// The bucket a value falls in.
    pub fn bucket(self, value: f64) -> usize {
        self.bounds()
            .iter()
            .position(|b| value <= *b)
            .unwrap_or(BUCKETS - 1)
    }

    /// Why `value` is not a sample of this metric, if it is not one.
    pub fn check_sample(self, value: f64) -> Result<(), &'static str> {
        if !value.is_finite() {
            return Err("must be a finite number");
        }
        if value < 0.0 {
            return Err("must not be negative");
        }
        if value > self.ceiling() {
            return Err("is above the metric's ceiling");
        }
        Ok(())
    }
}

/// The fold of one metric's samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub buckets: [u64; BUCKETS],
}

impl Summary {
    /// The summary of one sample (assumed valid: see [`Metric::check_sample`]).
    pub fn of(metric: Metric, value: f64) -> Summary {
        let mut buckets = [0; BUCKETS];
        buckets[metric.bucket(value)] = 1;
        Summary {
            count: 1,
            min: value,
            max: value,
            sum: value,
            buckets,
        }
    }

    /// Folds `other` in: the summary of both sets of samples.
    pub fn merge(&mut self, other: &Summary) {
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
        for (b, o) in self.buckets.iter_mut().zip(other.buckets) {
            *b += o;
        }
    }

    pub fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }

    /// The 95th percentile as the histogram knows it: the upper bound of the bucket
    /// holding the sample of rank ⌈0.95·count⌉, never above `max` (so the open last
    /// bucket, and a bucket only partly used, report the real largest sample).
    pub fn p95(&self, metric: Metric) -> f64 {
        let rank = (self.count * 95).div_ceil(100).max(1);
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return metric.bounds().get(i).map_or(self.max, |b| b.min(self.max));
            }
        }
        self.max
    }

    /// Whether this is a summary some samples of `metric` could have folded into.
    pub fn check(&self, metric: Metric) -> Result<(), &'static str> {
        if self.count == 0 || self.count > crate::limits::SEQ {
            return Err("count must be a whole number from 1");
        }
        if self.buckets.iter().sum::<u64>() != self.count {
            return Err("buckets must add up to count");
        }
        metric.check_sample(self.min)?;
        metric.check_sample(self.max)?;
        if self.min > self.max {
            return Err("min must not exceed max");
        }
        let first = self.buckets.iter().position(|n| *n > 0);
        let last = self.buckets.iter().rposition(|n| *n > 0);
        if first != Some(metric.bucket(self.min)) || last != Some(metric.bucket(self.max)) {
            return Err("min and max must lie in the first and last non-empty buckets");
        }
        let n = self.count as f64;
        let slack = 1e-9 * (n * self.max).max(1.0);
        if !self.sum.is_finite()
            || self.sum < n * self.min - slack
            || self.sum > n * self.max + slack
        {
            return Err("sum must lie between count·min and count·max");
        }
        Ok(())
    }

    /// As stored and delivered: `{count, min, max, sum, buckets}`, keys in byte
    /// order also when serde_json keeps insertion order (`preserve_order`, which the
    /// server's build turns on for the whole workspace), so the text is the same in
    /// every build.
    pub fn to_value(&self) -> Value {
        crate::wire::object(vec![
            (
                "buckets",
                self.buckets.iter().map(|b| Value::from(*b)).collect(),
            ),
            ("count", self.count.into()),
            ("max", js_number(self.max)),
            ("min", js_number(self.min)),
            ("sum", js_number(self.sum)),
        ])
    }

    /// As kept on a session: the stored fields plus `mean` and `p95`, so readers need
    /// not know the histogram's bounds.
    pub fn to_session_value(&self, metric: Metric) -> Value {
        let mut v = self.to_value();
        if let Value::Object(map) = &mut v {
            map.insert("mean".into(), js_number(self.mean()));
            map.insert("p95".into(), js_number(self.p95(metric)));
        }
        v
    }

    /// A metric's argument: a sample (a number) or a summary (an object with the five
    /// stored fields; `mean`/`p95` are ignored, so a session's value reads back).
    pub fn from_arg(metric: Metric, arg: &Value) -> Result<Summary, &'static str> {
        let summary = match arg {
            Value::Number(n) => {
                let value = n.as_f64().ok_or("must be a finite number")?;
                metric.check_sample(value)?;
                return Ok(Summary::of(metric, value));
            }
            Value::Object(map) => read_summary(map)?,
            _ => return Err("must be a number (a sample) or a summary object"),
        };
        summary.check(metric)?;
        Ok(summary)
    }
}

/// A number as JavaScript writes it: whole values without a fraction (`5`, not
/// serde_json's `5.0`), so the SDK's stored text and a backend's equal `JSON.stringify`'s.
fn js_number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

fn read_summary(map: &Map<String, Value>) -> Result<Summary, &'static str> {
    const WHOLE: &str = "count and buckets must be whole numbers";
    let num = |k: &str| {
        map.get(k)
            .and_then(Value::as_f64)
            .ok_or("summary needs count, min, max, sum and buckets")
    };
    if map
        .keys()
        .any(|k| !["count", "min", "max", "sum", "buckets", "mean", "p95"].contains(&k.as_str()))
    {
        return Err("summary has a field other than count, min, max, sum, buckets");
    }
    let count = map.get("count").and_then(Value::as_u64).ok_or(WHOLE)?;
    let list = map
        .get("buckets")
        .and_then(Value::as_array)
        .filter(|b| b.len() == BUCKETS)
        .ok_or("buckets must be an array of 10 whole numbers")?;
    let mut buckets = [0; BUCKETS];
    for (slot, v) in buckets.iter_mut().zip(list) {
        *slot = v.as_u64().ok_or(WHOLE)?;
    }
    Ok(Summary {
        count,
        min: num("min")?,
        max: num("max")?,
        sum: num("sum")?,
        buckets,
    })
}

/// A session's network quality (and a report's): one summary per metric sampled.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NetworkStats {
    summaries: [Option<Summary>; 4],
}

impl NetworkStats {
    pub fn get(&self, metric: Metric) -> Option<&Summary> {
        self.summaries[metric as usize].as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.summaries.iter().all(Option::is_none)
    }

    /// Folds one summary (or sample) of `metric` in.
    pub fn add(&mut self, metric: Metric, s: &Summary) {
        match &mut self.summaries[metric as usize] {
            Some(have) => have.merge(s),
            slot @ None => *slot = Some(s.clone()),
        }
    }

    pub fn merge(&mut self, other: &NetworkStats) {
        for m in Metric::ALL {
            if let Some(s) = other.get(m) {
                self.add(m, s);
            }
        }
    }

    /// Reads a report's metric arguments out of `args` (other keys are left for the
    /// caller); a report must carry at least one metric.
    pub fn from_args(
        args: &Map<String, Value>,
    ) -> Result<NetworkStats, (&'static str, &'static str)> {
        let mut out = NetworkStats::default();
        for m in Metric::ALL {
            if let Some(v) = args.get(m.name()) {
                out.add(m, &Summary::from_arg(m, v).map_err(|e| (m.name(), e))?);
            }
        }
        if out.is_empty() {
            return Err((
                "args",
                "a report needs at least one of rttMs, jitterMs, packetLossPct, bitrateKbps",
            ));
        }
        Ok(out)
    }

    /// As delivered in an op's args: one summary object per metric present.
    pub fn to_args(&self) -> Vec<(&'static str, Value)> {
        Metric::ALL
            .into_iter()
            .filter_map(|m| self.get(m).map(|s| (m.name(), s.to_value())))
            .collect()
    }

    /// As kept on a session (`network`): each metric with its `mean` and `p95`.
    pub fn to_session_value(&self) -> Value {
        let pairs = Metric::ALL
            .into_iter()
            .filter_map(|m| self.get(m).map(|s| (m.name(), s.to_session_value(m))))
            .collect();
        crate::wire::object(pairs)
    }

    /// A session's `network` value read back (as stored by [`Self::to_session_value`]).
    pub fn from_session_value(v: &Value) -> Result<NetworkStats, (&'static str, &'static str)> {
        let map = v.as_object().ok_or(("network", "must be an object"))?;
        if map.keys().any(|k| Metric::from_name(k).is_none()) {
            return Err(("network", "has a key that is not a metric"));
        }
        let mut out = NetworkStats::default();
        for m in Metric::ALL {
            if let Some(v) = map.get(m.name()) {
                let Value::Object(obj) = v else {
                    return Err((m.name(), "must be a summary object"));
                };
                let s = read_summary(obj).map_err(|e| (m.name(), e))?;
                s.check(m).map_err(|e| (m.name(), e))?;
                out.add(m, &s);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "network_tests.rs"]
mod tests;
