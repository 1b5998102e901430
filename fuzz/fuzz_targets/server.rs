//! Request bodies of arbitrary bytes to every POST route, through the router (no sockets).
//! The first byte picks the route. Every answer is a success or an error the client caused
//! (or 503 when busy), with a JSON body; never a server error or a panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use unspin_server::{router, AppState, Limits};

const ROUTES: [&str; 5] = [
    "/v1/check",
    "/v1/restore",
    "/v1/trace",
    "/v1/analyse",
    "/v1/extract",
];

fn app() -> &'static axum::Router {
    static APP: OnceLock<axum::Router> = OnceLock::new();
    APP.get_or_init(|| {
        // The committed model file, not the embedded image: `unspin-model`'s build script
        // would compile the engine a second time for the host, for every fuzz build.
        let file =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/en-default.unspin");
        let model = Arc::new(unspin_core::Model::open(&file).expect("the default model"));
        router(AppState::new(
            unspin_core::Engine::new(model),
            None,
            Limits::default(),
        ))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let request = Request::post(ROUTES[usize::from(pick) % ROUTES.len()])
        .header("content-type", "application/json")
        .body(Body::from(body.to_vec()))
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = app().clone().oneshot(request).await.unwrap();
        let status = response.status();
        assert!(
            status.is_success()
                || status.is_client_error()
                || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}"
        );
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert!(serde_json_ok(&bytes), "a body that is not JSON: {bytes:?}");
    });
});

/// Every answer of the API is JSON.
fn serde_json_ok(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let t = text.trim_start();
    t.starts_with('{') || t.starts_with('[')
}
