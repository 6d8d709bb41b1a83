//! The API keeps its contract (issue 15): the framework's own rejections are the JSON error
//! body (bad JSON, wrong content type, unknown route, wrong method, too large, parameters of
//! the wrong type), in es-MX unless `?lang=en`, and the OpenAPI document declares what the
//! server does (query parameters `in: query`, the statuses each route answers).

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};

const PROPOSALS: &str = "/api/v1/orgs/alfareros-morelos/proposals";

/// A raw request: any body, any content type.
async fn raw(
    w: &World,
    method: &str,
    uri: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Reply {
    let mut r = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(c) = content_type {
        r = r.header(header::CONTENT_TYPE, c);
    }
    send(&w.router, r.body(Body::from(body)).unwrap()).await
}

/// The JSON error body: `application/json`, with `error` and the given status.
fn error_body(r: &Reply, status: StatusCode, error: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    let ct = r
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(ct.starts_with("application/json"), "{ct}: {}", r.body);
    let v = r.json();
    assert_eq!(v["error"], error, "{}", r.body);
    v
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400_with_the_json_error_body_in_spanish_first() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let r = raw(
        &w,
        "POST",
        PROPOSALS,
        Some(&b.token),
        Some("application/json"),
        b"{\"kind\": \"loan\",".to_vec(),
    )
    .await;
    let v = error_body(&r, StatusCode::BAD_REQUEST, "malformed");
    assert_eq!(v["field"], "body");
    let m = v["message"].as_str().unwrap();
    // The body is 16 bytes on one line and ends after the comma: line 1, column 16.
    assert!(
        m.contains("no es JSON válido") && m.contains("línea 1, columna 16"),
        "{m}"
    );
    let en = raw(
        &w,
        "POST",
        &format!("{PROPOSALS}?lang=en"),
        Some(&b.token),
        Some("application/json"),
        b"not json".to_vec(),
    )
    .await;
    let v = error_body(&en, StatusCode::BAD_REQUEST, "malformed");
    assert!(v["message"].as_str().unwrap().contains("not valid JSON"));
    // Nothing was written.
    let list = api(&w, "GET", PROPOSALS, Some(&b.token), None, None).await;
    assert_eq!(list.json().as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_422_naming_the_field() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    // A field of the wrong type.
    let r = api(
        &w,
        "POST",
        PROPOSALS,
        Some(&b.token),
        Some(json!({"kind": "expenditure", "purpose": "Horno", "amount_minor": "mucho"})),
        None,
    )
    .await;
    let v = error_body(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(v["field"], "amount_minor");
    assert_eq!(
        v["message"],
        "El valor no tiene el tipo o el formato esperado."
    );
    // A missing field, at the sign-in too.
    let r = api(
        &w,
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"login": "personal"})),
        None,
    )
    .await;
    let v = error_body(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(v["field"], "password");
    assert_eq!(v["message"], "Falta este campo.");
    // Not an object at all.
    let r = api(
        &w,
        "POST",
        PROPOSALS,
        Some(&b.token),
        Some(json!("horno")),
        None,
    )
    .await;
    assert_eq!(
        error_body(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "body"
    );
}

#[tokio::test]
async fn a_body_not_sent_as_json_is_415() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let body = json!({"kind": "expenditure", "purpose": "Horno", "amount_minor": 1}).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let r = raw(
            &w,
            "POST",
            PROPOSALS,
            Some(&b.token),
            content_type,
            body.clone().into_bytes(),
        )
        .await;
        let v = error_body(
            &r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("Content-Type: application/json"),
            "{content_type:?}"
        );
    }
    // `application/json; charset=utf-8` and `application/merge-patch+json` are JSON.
    for content_type in [
        "application/json; charset=utf-8",
        "application/vnd.api+json",
    ] {
        let r = raw(
            &w,
            "POST",
            PROPOSALS,
            Some(&b.token),
            Some(content_type),
            body.clone().into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{content_type}: {}", r.body);
    }
}

#[tokio::test]
async fn an_unknown_route_and_a_wrong_method_are_json() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    for (uri, token) in [
        ("/api/v1/nada", Some(b.token.as_str())),
        ("/api/v1/nada", None),
        (
            "/api/v1/orgs/alfareros-morelos/nada",
            Some(b.token.as_str()),
        ),
        ("/api/v2/orgs", None),
    ] {
        let r = raw(&w, "GET", uri, token, None, vec![]).await;
        let v = error_body(&r, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(v["message"], "No existe esta ruta de la API.", "{uri}");
    }
    // A known route with a method it does not answer: 405 with Allow, JSON.
    let r = raw(&w, "DELETE", PROPOSALS, Some(&b.token), None, vec![]).await;
    error_body(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let allow = r.headers.get(header::ALLOW).unwrap().to_str().unwrap();
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow}"
    );
    // Pages keep their HTML 404.
    let page = get(&w, "/no-existe", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("<html"), "{}", page.body);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_json_whichever_layer_refuses_it() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    // 1 MiB of purpose and a little more: one byte over is enough.
    let purpose = "a".repeat(web::MAX_BODY_BYTES);
    let body = json!({"kind": "expenditure", "purpose": purpose}).to_string();
    assert!(body.len() > web::MAX_BODY_BYTES);
    // Declared length: refused before routing (the body limit layer).
    let declared = Request::post(PROPOSALS)
        .header(header::AUTHORIZATION, format!("Bearer {}", b.token))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body.clone()))
        .unwrap();
    let r = send(&w.router, declared).await;
    let v = error_body(&r, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    assert_eq!(
        v["message"],
        "La solicitud es demasiado grande: el límite es 1 MiB."
    );
    // Without a declared length (as a chunked upload): refused while the extractor reads it.
    let streamed = Request::post(PROPOSALS)
        .header(header::AUTHORIZATION, format!("Bearer {}", b.token))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    let r = send(&w.router, streamed).await;
    error_body(&r, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    // With an Idempotency-Key the key's layer reads it first: the same answer.
    let keyed = Request::post(PROPOSALS)
        .header(header::AUTHORIZATION, format!("Bearer {}", b.token))
        .header(header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", "grande-1")
        .body(Body::from(body))
        .unwrap();
    let r = send(&w.router, keyed).await;
    error_body(&r, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let list = api(&w, "GET", PROPOSALS, Some(&b.token), None, None).await;
    assert_eq!(list.json().as_array().unwrap().len(), 0, "nothing written");
}

#[tokio::test]
async fn path_and_query_parameters_of_the_wrong_type_are_400_naming_them() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let r = api(
        &w,
        "GET",
        "/api/v1/orgs/alfareros-morelos/members/uno/statement",
        Some(&b.token),
        None,
        None,
    )
    .await;
    let v = error_body(&r, StatusCode::BAD_REQUEST, "malformed");
    assert_eq!(v["field"], "member_id");
    assert_eq!(
        v["message"],
        "El parámetro no tiene el tipo o el formato esperado."
    );
    // Beyond i64.
    let r = api(
        &w,
        "GET",
        "/api/v1/orgs/alfareros-morelos/members/99999999999999999999/fund",
        Some(&b.token),
        None,
        None,
    )
    .await;
    assert_eq!(
        error_body(&r, StatusCode::BAD_REQUEST, "malformed")["field"],
        "member_id"
    );
    let r = api(
        &w,
        "GET",
        "/api/v1/orgs/alfareros-morelos/members?after=diez&lang=en",
        Some(&b.token),
        None,
        None,
    )
    .await;
    let v = error_body(&r, StatusCode::BAD_REQUEST, "malformed");
    assert_eq!(v["field"], "after");
    assert_eq!(
        v["message"],
        "The parameter does not have the expected type or format."
    );
    // Valid: the first page of members.
    let r = api(
        &w,
        "GET",
        "/api/v1/orgs/alfareros-morelos/members?after=0&q=a",
        Some(&b.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn without_a_session_every_protected_route_is_401_whatever_the_body() {
    let w = world().await;
    // A body that is not JSON and a path parameter of the wrong type: the missing token is
    // what the caller is told.
    let r = raw(
        &w,
        "POST",
        "/api/v1/orgs/alfareros-morelos/members/uno/reports",
        None,
        Some("text/plain"),
        b"{".to_vec(),
    )
    .await;
    let v = error_body(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(v["message"].as_str().unwrap().contains("Bearer"));
    let r = raw(
        &w,
        "GET",
        "/api/v1/orgs",
        Some("no-es-un-token"),
        None,
        vec![],
    )
    .await;
    error_body(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
    // The document and the sign-in need none.
    let doc = api(&w, "GET", "/api/v1/openapi.json", None, None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
}

/// The operation `method path` of the document.
fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} missing");
    op
}

fn parameter<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("parameter {name} missing: {op}"))
}

#[tokio::test]
async fn the_openapi_document_declares_query_parameters_in_the_query_with_their_types() {
    let w = world().await;
    let doc = api(&w, "GET", "/api/v1/openapi.json", None, None, None)
        .await
        .json();
    let members = operation(&doc, "/api/v1/orgs/{slug}/members", "get");
    for (name, kind) in [("q", "string"), ("after", "integer")] {
        let p = parameter(members, name);
        assert_eq!(p["in"], "query", "{name}");
        assert_ne!(p["required"], true, "{name} is optional");
        let t = &p["schema"]["type"];
        assert!(
            t == kind || t.as_array().is_some_and(|a| a.contains(&json!(kind))),
            "{name}: {t}"
        );
    }
    let audit = operation(&doc, "/api/v1/orgs/{slug}/audit", "get");
    for name in ["after", "before", "stream"] {
        assert_eq!(parameter(audit, name)["in"], "query", "{name}");
    }
    // Path parameters stay in the path, required.
    let slug = parameter(members, "slug");
    assert_eq!(slug["in"], "path");
    assert_eq!(slug["required"], true);
    // No parameter is declared in the path unless the path has it.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap();
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {name} is not in the path"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_openapi_document_declares_every_status_with_the_error_schema() {
    let w = world().await;
    let doc = api(&w, "GET", "/api/v1/openapi.json", None, None, None)
        .await
        .json();
    let status = |op: &Value, code: &str| -> bool { op["responses"][code].is_object() };
    // The error schema behind every shared error response.
    for (name, response) in doc["components"]["responses"].as_object().unwrap() {
        assert_eq!(
            response["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ApiError",
            "{name}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            // Signing in and activating an account (issue 16) are how a person gets a session.
            let public = matches!(path.as_str(), "/api/v1/session" | "/api/v1/activation");
            assert_eq!(
                secured, !public,
                "{method} {path}: every route but the sign-in and the activation needs the bearer token"
            );
            if secured {
                assert!(status(op, "401"), "{method} {path}: 401");
            }
            if path.contains('{') {
                assert!(
                    status(op, "400") && status(op, "404"),
                    "{method} {path}: 400, 404"
                );
            }
            if op["requestBody"].is_object() {
                for code in ["400", "413", "415", "422"] {
                    assert!(status(op, code), "{method} {path}: {code}");
                }
                assert_eq!(op["requestBody"]["required"], true, "{method} {path}");
            }
            if method == "post" && path != "/api/v1/session" {
                for code in ["409", "413", "422"] {
                    assert!(status(op, code), "{method} {path}: {code}");
                }
                assert!(
                    op["responses"]["409"]["$ref"]
                        .as_str()
                        .is_some_and(|r| r.ends_with("/Conflict")),
                    "{method} {path}: 409 with Retry-After"
                );
            }
        }
    }
    let session = operation(&doc, "/api/v1/session", "post");
    for code in ["201", "400", "401", "413", "415", "422", "429"] {
        assert!(status(session, code), "session: {code}");
    }
    let conflict = &doc["components"]["responses"]["Conflict"];
    assert!(conflict["headers"]["Retry-After"].is_object());
    // The shapes the server checks are in the document.
    let proposal = &doc["components"]["schemas"]["ProposalIn"]["properties"];
    assert!(proposal["kind"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("expenditure")));
    let key = parameter(operation(&doc, PROPOSALS_PATH, "post"), "Idempotency-Key");
    assert_eq!(key["in"], "header");
    assert_eq!(key["schema"]["pattern"], "^[!-~]{1,100}$");
}

const PROPOSALS_PATH: &str = "/api/v1/orgs/{slug}/proposals";

#[tokio::test]
async fn a_role_holder_name_with_control_characters_is_422_as_the_document_says() {
    // The document's pattern for `person_name` forbids control characters; the server refuses
    // them too (registry::check_text), naming the field, and gives no role.
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let uri = "/api/v1/orgs/alfareros-morelos/roles";
    let body = json!({"person_name": "Ana\u{1b}[2J", "role": "volunteer", "from": "2025-03-01"});
    let r = api(&w, "POST", uri, Some(&b.token), Some(body), None).await;
    assert_eq!(
        error_body(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "person_name"
    );
    let ok = json!({"person_name": "Ana Pérez", "role": "volunteer", "from": "2025-03-01"});
    let r = api(&w, "POST", uri, Some(&b.token), Some(ok), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
