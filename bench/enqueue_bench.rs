//! The SDK core's own enqueue and recovery cost, natively, with no browser in the way:
//! the same op mix and queue lengths as the browser benchmark (bench/bench.js), on
//! [`MemoryStorage`], so the figures say how much of the browser's cost is the core's
//! algorithm rather than localStorage or the wasm boundary. Prints figures (one JSON
//! line last, for bench/run.mjs), asserts nothing about speed.
//!
//! Run: `cargo run --release --example enqueue_bench` (the root crate's release
//! profile is opt-level "z", tuned for wasm size, so these are not peak native speeds).
//!
//! Nothing is delivered: the transport points at 127.0.0.1:9 and is never called,
//! because the core only sends when asked (`flush`), which this never does.
//!
//! Native only (tokio, reqwest): on wasm32, where `cargo test` also compiles
//! examples, it is an empty program.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::time::Instant;

    use video_session_sdk::native::{ReqwestTransport, SystemEnv};
    use video_session_sdk::{
        ApiError, Client, Config, EndSessionArgs, MemoryStorage, StartSessionArgs,
    };

    type Native = Client<MemoryStorage, ReqwestTransport, SystemEnv>;

    const SAMPLES: usize = 200;
    const ISSUES_PER_SESSION: usize = 47;

    /// The browser benchmark's op mix: start, connect, 47 issues, end; per session.
    struct Driver {
        client: Native,
        open: bool,
        connected: bool,
        issues: usize,
    }

    impl Driver {
        async fn start_new(&mut self) -> Result<(), ApiError> {
            self.client
                .start_session(StartSessionArgs {
                    support_worker_name: "Bench Worker".into(),
                    support_worker_id: Some("bench-w1".into()),
                    appointment_id: None,
                    audio_option: None,
                    metadata: None,
                })
                .await?;
            (self.open, self.connected, self.issues) = (true, false, 0);
            Ok(())
        }

        async fn next(&mut self) -> Result<(), ApiError> {
            if !self.open {
                return self.start_new().await;
            }
            if !self.connected {
                self.connected = true;
                return self.client.mark_connected(None).await;
            }
            if self.issues < ISSUES_PER_SESSION {
                self.issues += 1;
                return self
                    .client
                    .report_quality_issue("Audio choppy".into(), None)
                    .await;
            }
            self.open = false;
            self.client
                .end_session(EndSessionArgs::default())
                .await
                .map(|_| ())
        }

        async fn fill_to(&mut self, n: usize) -> Result<(), ApiError> {
            while self.client.pending_count() < n {
                self.next().await?;
            }
            Ok(())
        }

        /// One timed reportQualityIssue (µs), on an open session with room for it.
        async fn timed_issue(&mut self) -> Result<f64, ApiError> {
            if !self.open || self.issues >= 50 {
                if self.open {
                    self.client.end_session(EndSessionArgs::default()).await?;
                }
                self.start_new().await?;
            }
            let t0 = Instant::now();
            self.client
                .report_quality_issue("Audio choppy".into(), None)
                .await?;
            self.issues += 1;
            Ok(t0.elapsed().as_secs_f64() * 1e6)
        }
    }

    async fn open(storage: MemoryStorage) -> Result<Native, ApiError> {
        Client::open(
            Config::new("bench-native"),
            storage,
            ReqwestTransport::new("http://127.0.0.1:9"),
            SystemEnv,
        )
        .await
    }

    fn quantile(xs: &mut [f64], p: f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        xs[((xs.len() as f64 - 1.0) * p).round() as usize]
    }

    /// Enqueue µs (p50, p99) with `level` ops pending, measured as the browser does;
    /// also the storage the client wrote (for the larger levels).
    async fn enqueue_at(level: usize) -> Result<(f64, f64, MemoryStorage), ApiError> {
        let mut times = Vec::with_capacity(SAMPLES);
        let disk = MemoryStorage::new();
        if level <= 100 {
            for _ in 0..SAMPLES {
                let mut d = Driver {
                    client: open(MemoryStorage::new()).await?,
                    open: false,
                    connected: false,
                    issues: 0,
                };
                d.fill_to(level).await?;
                times.push(d.timed_issue().await?);
            }
        } else {
            let mut d = Driver {
                client: open(disk.clone()).await?,
                open: false,
                connected: false,
                issues: 0,
            };
            d.fill_to(level - SAMPLES).await?;
            while times.len() < SAMPLES && d.client.pending_count() < level - 3 {
                times.push(d.timed_issue().await?);
            }
            d.fill_to(level).await?;
        }
        Ok((quantile(&mut times, 0.5), quantile(&mut times, 0.99), disk))
    }

    /// Milliseconds to open a client over `disk`, which holds `n` ops (median of 5).
    async fn open_over(disk: &MemoryStorage, n: usize) -> Result<f64, ApiError> {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t0 = Instant::now();
            let c = open(disk.clone()).await?;
            times.push(t0.elapsed().as_secs_f64() * 1e3);
            if c.pending_count() != n {
                eprintln!(
                    "enqueue_bench: recovery found {} ops, not {n}",
                    c.pending_count()
                );
                std::process::exit(1);
            }
        }
        Ok(quantile(&mut times, 0.5))
    }

    async fn run() -> Result<(), ApiError> {
        let mut json = Vec::new();
        let mut full = MemoryStorage::new();
        for level in [10, 1_000, 10_000] {
            let (p50, p99, disk) = enqueue_at(level).await?;
            full = disk;
            println!("native enqueue @ {level} pending: p50 {p50:.1} µs, p99 {p99:.1} µs");
            json.push(format!(
                "\"enqueue{level}\":{{\"p50us\":{p50:.1},\"p99us\":{p99:.1}}}"
            ));
        }
        let open_ms = open_over(&full, 10_000).await?;
        println!("native open over 10,000 stored ops: {open_ms:.1} ms (median of 5)");
        json.push(format!("\"open10000ms\":{open_ms:.2}"));
        println!("{{{}}}", json.join(","));
        Ok(())
    }

    pub fn main() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        if let Err(e) = rt.block_on(run()) {
            eprintln!("enqueue_bench: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}
