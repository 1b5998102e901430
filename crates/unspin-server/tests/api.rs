//! The HTTP API end to end through the router (no sockets): every endpoint, and the error
//! cases a client can cause (oversize body, bad JSON, wrong content type, bad UTF-8, empty
//! text, unknown fields and routes, a deadline too short).

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use unspin_core::{Engine, Model};
use unspin_server::{router, AppState, Limits};

/// The default model; each app gets a fresh engine over it, so its counts are its own.
fn model() -> &'static std::sync::Arc<Model> {
    unspin_testkit::default_model()
}

const EXAMPLE: &str = include_str!("../../../examples/spun-news.txt");

fn app(limits: Limits, index: Option<unspin_index::Index>) -> axum::Router {
    app_with(Engine::new(model().clone()), limits, index)
}

fn app_with(engine: Engine, limits: Limits, index: Option<unspin_index::Index>) -> axum::Router {
    router(AppState::new(engine, index, limits))
}

/// An index of the bundled originals (the example's source among them).
fn example_index(name: &str) -> unspin_index::Index {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let index = unspin_index::Index::create(&dir).unwrap();
    let originals = include_str!("../../../examples/originals.jsonl");
    let docs: Vec<unspin_index::Document> = originals
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            unspin_index::Document {
                id: v["id"].as_str().unwrap().to_string(),
                url: None,
                title: v["title"].as_str().map(String::from),
                text: v["text"].as_str().unwrap().to_string(),
            }
        })
        .collect();
    index.add_batch(&docs).unwrap();
    index
}

fn default_app() -> axum::Router {
    app(Limits::default(), None)
}

async fn send(app: axum::Router, req: Request<Body>) -> (StatusCode, String, serde_json::Value) {
    let response = app.oneshot(req).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, content_type, json)
}

fn post_json(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

fn text_body(text: &str) -> String {
    serde_json::json!({ "text": text }).to_string()
}

fn assert_error(status: StatusCode, json: &serde_json::Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{json}");
    assert_eq!(json["error"]["code"], code, "{json}");
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{json}"
    );
}

#[tokio::test]
async fn health_reports_ok_and_whether_an_index_is_loaded() {
    let (status, content_type, json) = send(
        default_app(),
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    assert_eq!(json["status"], "ok");
    assert_eq!(json["index"], false);
}

#[tokio::test]
async fn check_flags_the_example_with_evidence() {
    let (status, _, json) = send(default_app(), post_json("/v1/check", text_body(EXAMPLE))).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(json["probability"].as_f64().unwrap() > 0.5, "{json}");
    let evidence = json["evidence"].as_array().unwrap();
    assert!(!evidence.is_empty());
    // Offsets index the submitted text's bytes.
    for e in evidence {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&EXAMPLE[s..t], e["spun"].as_str().unwrap());
    }
}

#[tokio::test]
async fn restore_returns_the_text_and_its_changes() {
    let (status, _, json) = send(default_app(), post_json("/v1/restore", text_body(EXAMPLE))).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let changes = json["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["spun"] == "stated" && c["restored"] == "said"),
        "{json}"
    );
    assert_ne!(json["text"], EXAMPLE);
}

#[tokio::test]
async fn trace_needs_an_index_and_finds_the_source_in_one() {
    let (status, _, json) = send(default_app(), post_json("/v1/trace", text_body(EXAMPLE))).await;
    assert_error(status, &json, StatusCode::SERVICE_UNAVAILABLE, "no_index");

    let app = app(Limits::default(), Some(example_index("server-index")));
    let (status, _, health) = send(
        app.clone(),
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (status, health["index"].clone()),
        (StatusCode::OK, serde_json::json!(true))
    );
    let body = serde_json::json!({"text": EXAMPLE, "k": 2}).to_string();
    let (status, _, json) = send(app, post_json("/v1/trace", body)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let sources = json["sources"].as_array().unwrap();
    assert!(!sources.is_empty() && sources.len() <= 2, "{json}");
    assert!(sources[0]["score"].as_f64().unwrap() > 0.3, "{json}");
    assert!(!sources[0]["passages"].as_array().unwrap().is_empty());
}

/// The page's one request per text: check, restoration and (with an index) trace, from one
/// preparation, one check and one restoration.
#[tokio::test]
async fn analyse_answers_the_page_with_each_analysis_done_once() {
    for index in [None, Some(example_index("server-analyse-index"))] {
        let with_index = index.is_some();
        let engine = Engine::new(model().clone());
        let app = app_with(engine.clone(), Limits::default(), index);
        let (status, _, json) = send(app, post_json("/v1/analyse", text_body(EXAMPLE))).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        assert_eq!(json["check"]["verdict"], "spun", "{json}");
        assert!(!json["restoration"]["changes"]
            .as_array()
            .unwrap()
            .is_empty());
        assert_eq!(json["trace"].is_object(), with_index, "{json}");
        let counts = engine.counts();
        assert_eq!(
            (counts.prepared, counts.checked, counts.restored),
            (1, 1, 1),
            "with index: {with_index}"
        );
    }
}

#[tokio::test]
async fn extract_returns_the_main_text_of_a_page() {
    let body = "The council voted on Tuesday to close the old bridge to traffic. ".repeat(8);
    let page = unspin_testkit::warc_writer::html_page("Bridge", &format!("{body}\n\n{body}"));
    let req = post_json(
        "/v1/extract",
        serde_json::json!({ "html": page }).to_string(),
    );
    let (status, _, json) = send(default_app(), req).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(json["text"]
        .as_str()
        .unwrap()
        .starts_with("The council voted"));
    assert!(!json["text"].as_str().unwrap().contains("Contact us"));

    let req = post_json(
        "/v1/extract",
        serde_json::json!({ "html": "<html></html>" }).to_string(),
    );
    let (status, _, json) = send(default_app(), req).await;
    assert_error(
        status,
        &json,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_main_text",
    );
}

#[tokio::test]
async fn bad_requests_get_structured_errors() {
    let small = Limits {
        body_bytes: 1000,
        ..Limits::default()
    };
    let (s, _, j) = send(
        app(small, None),
        post_json("/v1/check", text_body(&"word ".repeat(400))),
    )
    .await;
    assert_error(s, &j, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");

    let (s, _, j) = send(default_app(), post_json("/v1/check", "{\"text\": ")).await;
    assert_error(s, &j, StatusCode::BAD_REQUEST, "bad_json");

    let req = Request::post("/v1/restore")
        .header("content-type", "text/plain")
        .body(Body::from(text_body("hello")))
        .unwrap();
    let (s, _, j) = send(default_app(), req).await;
    assert_error(
        s,
        &j,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    let mut bad_utf8 = b"{\"text\": \"caf".to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe]);
    bad_utf8.extend_from_slice(b"\"}");
    let (s, _, j) = send(default_app(), post_json("/v1/check", bad_utf8)).await;
    assert!(s == StatusCode::BAD_REQUEST, "{s} {j}");
    assert_eq!(j["error"]["code"], "bad_json");

    let (s, _, j) = send(default_app(), post_json("/v1/check", text_body("  \n"))).await;
    assert_error(s, &j, StatusCode::UNPROCESSABLE_ENTITY, "empty_text");

    let (s, _, j) = send(
        default_app(),
        post_json("/v1/check", "{\"txt\": \"hello\"}"),
    )
    .await;
    assert_error(s, &j, StatusCode::UNPROCESSABLE_ENTITY, "bad_request");

    let (s, _, j) = send(default_app(), post_json("/v1/check", "[1, 2]")).await;
    assert_error(s, &j, StatusCode::UNPROCESSABLE_ENTITY, "bad_request");

    let (s, _, j) = send(
        default_app(),
        Request::get("/v2/nothing").body(Body::empty()).unwrap(),
    )
    .await;
    assert_error(s, &j, StatusCode::NOT_FOUND, "not_found");

    let (s, _, j) = send(
        default_app(),
        Request::get("/v1/check").body(Body::empty()).unwrap(),
    )
    .await;
    assert_error(s, &j, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn a_request_past_its_deadline_is_a_timeout_error() {
    let hurried = Limits {
        timeout: Duration::from_millis(1),
        ..Limits::default()
    };
    let long = EXAMPLE.repeat(200);
    let (s, _, j) = send(
        app(hurried, None),
        post_json("/v1/restore", text_body(&long)),
    )
    .await;
    assert_error(s, &j, StatusCode::SERVICE_UNAVAILABLE, "timeout");
}

#[tokio::test]
async fn openapi_lists_every_endpoint_the_router_serves() {
    let (status, content_type, spec) = send(
        default_app(),
        Request::get("/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    let paths = spec["paths"].as_object().unwrap();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(path)
                .header("content-type", "application/json")
                .body(Body::from(text_body(EXAMPLE)))
                .unwrap();
            let (s, _, j) = send(default_app(), req).await;
            assert_ne!(s, StatusCode::NOT_FOUND, "{method} {path}: {j}");
            assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
    for path in [
        "/v1/check",
        "/v1/restore",
        "/v1/trace",
        "/v1/analyse",
        "/v1/extract",
        "/healthz",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI description"
        );
    }
}

#[tokio::test]
async fn the_page_and_example_are_served_from_the_binary() {
    let response = default_app()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(page.contains("id=\"analyse\""));
    // No asset from elsewhere: the page must work offline.
    for external in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!page.contains(external), "the page loads {external}...");
    }
    let response = default_app()
        .oneshot(Request::get("/example.txt").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let example = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(example, EXAMPLE.as_bytes());
}

/// Every response carries the security headers; the page runs no inline script (so markup
/// injected into it cannot run), and its script turns only web addresses into links.
#[tokio::test]
async fn responses_carry_security_headers_and_the_page_has_no_inline_script() {
    for path in ["/", "/app.js", "/healthz", "/nowhere"] {
        let response = default_app()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
    let page = default_app()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap()
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    let page = String::from_utf8(page.to_vec()).unwrap();
    assert!(
        !page.contains("<script>"),
        "an inline script: the policy would block it"
    );
    let script = include_str!("../assets/app.js");
    assert!(script.contains("u.protocol === \"http:\" || u.protocol === \"https:\""));
    assert!(
        !script.contains("href: best.url"),
        "a stored URL is never a link as it is"
    );
}

mod hostile_bodies {
    //! Fuzzing the request bodies with proptest: arbitrary bytes, and JSON with arbitrary
    //! fields and values, to every POST route. Every answer is a success or a JSON error with
    //! a client status, never a 500 or a panic.
    use super::*;
    use proptest::prelude::*;

    fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            (
                "[a-z_]{0,8}",
                prop_oneof![
                    Just(serde_json::json!(null)),
                    any::<i64>().prop_map(|n| serde_json::json!(n)),
                    "[ -~]{0,200}".prop_map(|s| serde_json::json!(s)),
                    Just(serde_json::json!([1, "x"])),
                ],
                proptest::option::of(any::<i32>()),
            )
                .prop_map(|(field, value, k)| {
                    let mut o = serde_json::Map::new();
                    o.insert(field, value);
                    if let Some(k) = k {
                        o.insert("k".into(), serde_json::json!(k));
                    }
                    serde_json::Value::Object(o).to_string().into_bytes()
                }),
        ]
    }

    proptest! {
        #[test]
        fn any_body_to_any_route_is_answered_without_a_server_error(
            bytes in body(),
            path in prop::sample::select(vec!["/v1/check", "/v1/restore", "/v1/trace", "/v1/analyse", "/v1/extract"]),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let (status, _, json) = runtime.block_on(send(default_app(), post_json(path, bytes)));
            prop_assert!(
                status.is_success() || status.is_client_error() || status == StatusCode::SERVICE_UNAVAILABLE,
                "{path}: {status} {json}"
            );
            if !status.is_success() {
                prop_assert!(json["error"]["code"].is_string(), "{path}: {status} {json}");
            }
        }
    }
}
