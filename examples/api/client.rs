//! A small HTTP client for the service's own demonstration (and its tests): send a request,
//! read the JSON answer.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tower::BoxError;

/// Sends requests to one server, over kept-alive connections.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: HttpClient<HttpConnector, Full<Bytes>>,
    base: String,
}

impl Client {
    /// A client of the server at `addr`.
    pub(crate) fn new(addr: SocketAddr) -> Client {
        Client {
            http: HttpClient::builder(TokioExecutor::new()).build_http(),
            base: format!("http://{addr}"),
        }
    }

    /// `GET path` (with its query string): the status and the JSON body.
    pub(crate) async fn get(&self, path: &str) -> Result<(StatusCode, Value), BoxError> {
        self.send(Method::GET, path, None, None).await
    }

    /// `method path` as `caller` (the `X-Caller` header), with a JSON `body`: the status and
    /// the JSON answer (`null` for none).
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        caller: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), BoxError> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(caller) = caller {
            request = request.header("x-caller", caller);
        }
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(body)?)
            }
            None => Bytes::new(),
        };
        let response = self.http.request(request.body(Full::new(body))?).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        let answer = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)?
        };
        Ok((status, answer))
    }
}
