//! A small HTTP client for the service's own demonstration (and its tests): GET a path,
//! read the JSON answer.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::StatusCode;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tower::BoxError;

/// Sends GET requests to one server, over kept-alive connections.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: HttpClient<HttpConnector, Empty<Bytes>>,
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
        let uri = format!("{}{path}", self.base).parse()?;
        let response = self.http.get(uri).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, serde_json::from_slice(&body)?))
    }
}
