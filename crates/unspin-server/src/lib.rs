//! unspin over HTTP: a JSON API under `/v1/` and the analyst page at `/`, every asset served
//! from the binary (no CDN; works offline). The page asks `/v1/analyse` once per text: one
//! preparation, one check, one restoration (and one trace with an index).
//!
//! Requests are parsed on the async runtime; the analysis itself (CPU-bound) runs on
//! blocking threads, at most [`Limits::workers`] at a time, each with a deadline. Every
//! failure is a JSON body `{"error": {"code", "message"}}` with a fitting status.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use unspin_core::check::CheckReport;
use unspin_core::Engine;
use unspin_index::follow::{analyse_with_index, CopyOf, SourcedRestoration};
use unspin_index::trace::TraceReport;
use unspin_index::Index;

/// The analyst page.
const PAGE: &str = include_str!("../assets/index.html");
/// The page's script (a file of its own, so that the content security policy can forbid
/// inline scripts).
const SCRIPT: &str = include_str!("../assets/app.js");
/// Sent with every response: scripts only from this server (no inline script, so injected
/// markup cannot run), no framing, no MIME sniffing, no referrer to linked sources.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' \
     'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";
/// The OpenAPI description of the API.
const OPENAPI: &str = include_str!("../assets/openapi.json");
/// The page's bundled example: a short spun text written for unspin.
const EXAMPLE: &str = include_str!("../../../examples/spun-news.txt");

/// Resource limits of the server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest request body in bytes.
    pub body_bytes: usize,
    /// Longest a request may take, waiting for a worker included.
    pub timeout: Duration,
    /// Analyses running at once (more wait their turn, within the timeout).
    pub workers: usize,
    /// Requests in the server at once, waiting ones included, across every route; more are
    /// refused with 503.
    pub queue: usize,
    /// Longest a client may take to send a request's headers, and longest a kept-alive
    /// connection may sit idle; then the connection is closed.
    pub header_timeout: Duration,
    /// Connections open at once; more are closed as soon as they are accepted.
    pub connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            body_bytes: 1 << 20,
            timeout: Duration::from_secs(30),
            workers: cores,
            queue: 256,
            header_timeout: Duration::from_secs(10),
            connections: 1024,
        }
    }
}

/// What the handlers share.
pub struct AppState {
    engine: Engine,
    index: Option<Index>,
    workers: Arc<Semaphore>,
    limits: Limits,
}

impl AppState {
    /// Server state over an engine and an optional index.
    pub fn new(engine: Engine, index: Option<Index>, limits: Limits) -> Arc<Self> {
        Arc::new(AppState {
            engine,
            index,
            workers: Arc::new(Semaphore::new(limits.workers.max(1))),
            limits,
        })
    }
}

/// A JSON error with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let code = match &r {
            JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
            JsonRejection::JsonSyntaxError(_) => "bad_json",
            JsonRejection::JsonDataError(_) => "bad_request",
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            _ => "bad_request",
        };
        ApiError::new(status, code, r.body_text())
    }
}

/// Body of `/v1/check`, `/v1/restore` and `/v1/trace`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextRequest {
    /// The text to analyse.
    pub text: String,
    /// Candidate sources to return (`/v1/trace` and `/v1/analyse`; default 3, at most 20).
    #[serde(default)]
    pub k: Option<usize>,
    /// Include the differing word pairs in each source (`/v1/trace` only).
    #[serde(default)]
    pub pairs: bool,
}

/// Body of `/v1/extract`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlRequest {
    /// An HTML page.
    pub html: String,
}

/// Reply of `/v1/extract`.
#[derive(Debug, Serialize)]
pub struct Extracted {
    /// Page title, if any.
    pub title: Option<String>,
    /// Main text.
    pub text: String,
}

/// Reply of `/v1/analyse`: everything the analyst page shows about one text, from one
/// preparation, one check and one restoration.
#[derive(Debug, Serialize)]
pub struct AnalyseReply {
    /// The check report (as `/v1/check`).
    pub check: CheckReport,
    /// The copy's source, when the server has an index and the source is in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<CopyOf>,
    /// The restoration (as `/v1/restore`): from the source where aligned, when found.
    pub restoration: SourcedRestoration,
    /// The sources found in the index (as `/v1/trace`), when the server has one.
    pub trace: Option<TraceReport>,
}

/// Reply of `/v1/check` with an index: the report and the copy's source.
#[derive(Debug, Serialize)]
struct CheckWithSource {
    #[serde(flatten)]
    check: CheckReport,
    copy_of: Option<CopyOf>,
}

/// Reply of `/healthz`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: &'static str,
    /// Whether `/v1/trace` is available.
    pub index: bool,
    /// unspin's version.
    pub version: &'static str,
}

type Shared = State<Arc<AppState>>;

/// Runs `work` on a blocking thread once a worker is free, within the request deadline.
async fn run_limited<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let deadline = state.limits.timeout;
    let timeout = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} s", deadline.as_secs_f32()),
        )
    };
    let task = {
        let state = Arc::clone(state);
        async move {
            let permit = Arc::clone(&state.workers)
                .acquire_owned()
                .await
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "shutting_down",
                        "the server is stopping",
                    )
                })?;
            let worker_state = Arc::clone(&state);
            tokio::task::spawn_blocking(move || {
                // The permit travels with the work: a timed-out request's analysis still
                // counts against the limit until it really ends.
                let _permit = permit;
                work(&worker_state)
            })
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the analysis failed",
                )
            })?
        }
    };
    tokio::time::timeout(deadline, task)
        .await
        .map_err(|_| timeout())?
}

fn non_empty(text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_text",
            "the text is empty; there is nothing to analyse",
        ));
    }
    Ok(())
}

async fn check(
    State(state): Shared,
    body: Result<Json<TextRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    non_empty(&req.text)?;
    let reply = run_limited(&state, move |s| match &s.index {
        Some(index) => {
            let a = analyse_with_index(&s.engine, index, &req.text).map_err(index_error)?;
            Ok(Json(CheckWithSource {
                check: a.check,
                copy_of: a.copy_of,
            })
            .into_response())
        }
        None => Ok(Json(s.engine.check(&req.text)).into_response()),
    })
    .await?;
    Ok(reply)
}

async fn restore(
    State(state): Shared,
    body: Result<Json<TextRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    non_empty(&req.text)?;
    let restoration: SourcedRestoration = run_limited(&state, move |s| match &s.index {
        Some(index) => Ok(analyse_with_index(&s.engine, index, &req.text)
            .map_err(index_error)?
            .restoration),
        None => Ok(s.engine.restore(&req.text).into()),
    })
    .await?;
    Ok(Json(restoration).into_response())
}

async fn trace(
    State(state): Shared,
    body: Result<Json<TextRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    if state.index.is_none() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_index",
            "no index is loaded; start the server with --index DIR",
        ));
    }
    non_empty(&req.text)?;
    let k = req.k.unwrap_or(3).clamp(1, 20);
    let report = run_limited(&state, move |s| {
        let index = s.index.as_ref().expect("checked above");
        unspin_index::trace::trace(&s.engine, index, &req.text, k, req.pairs).map_err(index_error)
    })
    .await?;
    Ok(Json(report).into_response())
}

fn index_error(e: unspin_index::IndexError) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "index_error",
        e.to_string(),
    )
}

async fn analyse(
    State(state): Shared,
    body: Result<Json<TextRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    non_empty(&req.text)?;
    let k = req.k.unwrap_or(3).clamp(1, 20);
    let reply = run_limited(&state, move |s| match &s.index {
        Some(index) => {
            let a = analyse_with_index(&s.engine, index, &req.text).map_err(index_error)?;
            let mut trace = a.trace;
            trace.sources.truncate(k);
            Ok(AnalyseReply {
                check: a.check,
                copy_of: a.copy_of,
                restoration: a.restoration,
                trace: Some(trace),
            })
        }
        None => {
            let a = s.engine.analyse(&req.text);
            Ok(AnalyseReply {
                check: a.check,
                copy_of: None,
                restoration: a.restoration.into(),
                trace: None,
            })
        }
    })
    .await?;
    Ok(Json(reply).into_response())
}

async fn extract(
    State(state): Shared,
    body: Result<Json<HtmlRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let extracted = run_limited(&state, move |_| {
        unspin_extract::extract_html(&req.html, None)
            .map(|e| Extracted {
                title: e.title,
                text: e.text,
            })
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "no_main_text",
                    "no readable main text was found in the page",
                )
            })
    })
    .await?;
    Ok(Json(extracted).into_response())
}

async fn health(State(state): Shared) -> Json<Health> {
    Json(Health {
        status: "ok",
        index: state.index.is_some(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Admits a request while fewer than [`Limits::queue`] are in the server (else 503
/// `overloaded`) and answers 503 `timeout` when it is not done by the deadline, reading its
/// body included: a client that stalls mid-body holds a slot only that long.
async fn in_flight_and_deadline(
    in_flight: Arc<Semaphore>,
    deadline: Duration,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Ok(_slot) = in_flight.try_acquire_owned() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "too many requests at once; retry shortly",
        )
        .into_response();
    };
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} s", deadline.as_secs_f32()),
        )
        .into_response(),
    }
}

/// Whether a `Host` header names this machine's loopback interface (any port).
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "::1"
    )
}

/// Refuses a request whose `Host` is not a loopback name: a server bound to loopback must not
/// answer a web page that reached it by rebinding its own domain name to 127.0.0.1.
async fn loopback_host_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if is_loopback_host(host) {
        next.run(request).await
    } else {
        ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "wrong_host",
            "this server is bound to loopback and answers only requests for localhost",
        )
        .into_response()
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method; see /v1/openapi.json",
    )
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /v1/openapi.json",
    )
}

/// The application: API, page and assets, with the body limit and the concurrency bound.
pub fn router(state: Arc<AppState>) -> Router {
    let limits = state.limits;
    // One semaphore for the whole server: `Router::layer` gives each route its own copy of a
    // layer, so a tower concurrency limit there would count per route.
    let in_flight = Arc::new(Semaphore::new(limits.queue.max(1)));
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", PAGE) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/example.txt",
            get(|| async { asset("text/plain; charset=utf-8", EXAMPLE) }),
        )
        .route(
            "/v1/openapi.json",
            get(|| async { asset("application/json", OPENAPI) }),
        )
        .route("/healthz", get(health))
        .route("/v1/check", post(check))
        .route("/v1/restore", post(restore))
        .route("/v1/trace", post(trace))
        .route("/v1/analyse", post(analyse))
        .route("/v1/extract", post(extract))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(axum::middleware::from_fn(move |request, next| {
            in_flight_and_deadline(Arc::clone(&in_flight), limits.timeout, request, next)
        }))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Serves until Ctrl-C (or SIGTERM), then finishes the requests in flight (for at most the
/// request timeout). Connections are HTTP/1.1; a client that has not sent its headers within
/// [`Limits::header_timeout`], or leaves a connection idle that long, is disconnected, and at
/// most [`Limits::connections`] are open at once. Bound to a loopback address, the server
/// answers only requests whose `Host` is a loopback name (DNS rebinding).
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let limits = state.limits;
    let loopback = listener.local_addr()?.ip().is_loopback();
    let mut app = router(state);
    if loopback {
        app = app.layer(axum::middleware::from_fn(loopback_host_only));
    }
    let connections = Arc::new(Semaphore::new(limits.connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Ok(slot) = Arc::clone(&connections).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.header_timeout);
        let connection =
            graceful.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _slot = slot;
            let _ = connection.await;
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.timeout) => {}
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM where there is one.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        // Without a SIGTERM handler the server still stops on Ctrl-C.
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
