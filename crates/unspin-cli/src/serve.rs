//! `unspin serve`: the API and the analyst page until Ctrl-C.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use unspin_index::Index;

use crate::model::{ModelChoice, Workload};

/// Arguments of `unspin serve`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Address to listen on (loopback by default; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// Index folder: /v1/trace, the source panel of the page, and with it /v1/check,
    /// /v1/restore and /v1/analyse report the copy's source and restore from it.
    #[arg(long)]
    index: Option<PathBuf>,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    max_body: usize,
    /// Seconds a request may take before it is answered with a timeout error.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

pub(crate) fn run(model: &ModelChoice, args: &Args) -> Result<()> {
    // Not moved to large pages, though a server's life is much text: the copy would add its
    // 110 MB to the pages of the program's image it read, and the server's resident memory
    // after the load bench is held under 250 MiB (BENCHMARKS.md "Large pages").
    let engine = model.engine(Workload::Short)?;
    let index = match &args.index {
        Some(dir) => Some(Index::open(dir)?),
        None => None,
    };
    let limits = unspin_server::Limits {
        body_bytes: args.max_body,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        ..Default::default()
    };
    let state = unspin_server::AppState::new(engine, index, limits);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the server runtime")?;
    let addr = &args.addr;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        println!("unspin: listening on http://{local}/");
        std::io::stdout().flush()?;
        unspin_server::serve(listener, state).await?;
        anyhow::Ok(())
    })
}
