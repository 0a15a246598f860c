//! A scripted JSON-RPC node for unit tests of the logic that calls [`Rpc`](crate::Rpc)
//! directly (distribution, push, status): no anvil, no socket. Enabled by the `test-support`
//! feature.
//!
//! [`ScriptedNode`] is an alloy transport: [`ScriptedNode::rpc`] wraps it in an
//! [`Rpc`](crate::Rpc) with [`Rpc::with_client`](crate::Rpc::with_client), so retries,
//! batching and counters run exactly as over HTTP. Every call, single or inside a batch, is
//! answered by one closure given the method and its params, and recorded.

use crate::rpc::{Rpc, RpcConfig};
use alloy::rpc::client::RpcClient;
use alloy::rpc::json_rpc::{
    ErrorPayload, RequestPacket, Response, ResponsePacket, ResponsePayload, SerializedRequest,
};
use alloy::transports::{TransportError, TransportErrorKind, TransportFut};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

/// What the script answers a call with: a result, or a JSON-RPC error object (code, message).
pub type Answer = Result<Value, (i64, String)>;

type Script = dyn Fn(&str, &Value) -> Answer + Send + Sync;

/// One call the node received: its method and params (`null` when it had none).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The JSON-RPC method.
    pub method: String,
    /// Its params, as sent.
    pub params: Value,
}

/// A JSON-RPC node answered by a closure, recording each call. Cheap to clone: clones share
/// the script and the record.
#[derive(Clone)]
pub struct ScriptedNode {
    script: Arc<Script>,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl fmt::Debug for ScriptedNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptedNode")
            .field("calls", &self.calls().len())
            .finish()
    }
}

impl ScriptedNode {
    /// A node that answers every call with `script(method, params)`.
    pub fn new(script: impl Fn(&str, &Value) -> Answer + Send + Sync + 'static) -> ScriptedNode {
        ScriptedNode {
            script: Arc::new(script),
            calls: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// An [`Rpc`] over this node, with `cfg`'s retries, batching and concurrency.
    pub fn rpc(&self, cfg: RpcConfig) -> Rpc {
        Rpc::with_client(RpcClient::new(self.clone(), true), cfg)
    }

    /// Every call received so far, in order (a batch's calls in the batch's order).
    pub fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The received calls of `method`.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    fn answer(&self, req: &SerializedRequest) -> Result<Response, TransportError> {
        let params: Value = match req.params() {
            Some(raw) => serde_json::from_str(raw.get())
                .map_err(|e| TransportErrorKind::custom_str(&format!("unreadable params: {e}")))?,
            None => Value::Null,
        };
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Call {
                method: req.method().to_owned(),
                params: params.clone(),
            });
        let payload = match (self.script)(req.method(), &params) {
            Ok(v) => {
                let raw = serde_json::value::to_raw_value(&v).map_err(|e| {
                    TransportErrorKind::custom_str(&format!("unserializable answer: {e}"))
                })?;
                ResponsePayload::Success(raw)
            }
            Err((code, message)) => ResponsePayload::Failure(ErrorPayload {
                code,
                message: Cow::Owned(message),
                data: None,
            }),
        };
        Ok(Response {
            id: req.id().clone(),
            payload,
        })
    }

    fn handle(&self, req: RequestPacket) -> Result<ResponsePacket, TransportError> {
        Ok(match req {
            RequestPacket::Single(r) => ResponsePacket::Single(self.answer(&r)?),
            RequestPacket::Batch(rs) => ResponsePacket::Batch(
                rs.iter()
                    .map(|r| self.answer(r))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}

impl tower::Service<RequestPacket> for ScriptedNode {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: RequestPacket) -> Self::Future {
        let answer = self.handle(req);
        Box::pin(async move { answer })
    }
}

/// A JSON-RPC error answer, for scripts: `Err((code, message))`.
pub fn node_error(code: i64, message: &str) -> Answer {
    Err((code, message.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ChainError;
    use alloy_primitives::U64;
    use serde_json::json;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    fn cfg(retries: u32) -> RpcConfig {
        RpcConfig {
            retries,
            backoff: Duration::from_millis(1),
            batch_size: 2,
            ..RpcConfig::default()
        }
    }

    #[tokio::test]
    async fn a_transient_node_error_is_retried_then_surfaces_as_a_node_error() {
        let node = ScriptedNode::new(|_, _| node_error(-32000, "rate limit reached, try again"));
        let rpc = node.rpc(cfg(2));
        let e = rpc.call::<_, U64>("eth_chainId", ()).await.unwrap_err();
        match &e {
            ChainError::Node {
                method,
                code,
                message,
            } => assert_eq!(
                (method.as_str(), *code, message.as_str()),
                ("eth_chainId", -32000, "rate limit reached, try again")
            ),
            other => panic!("expected Node, got {other}"),
        }
        assert_eq!(node.calls_of("eth_chainId").len(), 3);
        assert_eq!(rpc.stats().retries.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_final_node_error_is_not_retried() {
        let node = ScriptedNode::new(|_, _| node_error(-32000, "header not found"));
        let rpc = node.rpc(cfg(5));
        let e = rpc.call::<_, U64>("eth_blockNumber", ()).await.unwrap_err();
        assert!(matches!(e, ChainError::Node { code: -32000, .. }), "{e}");
        assert_eq!(node.calls().len(), 1);
        assert_eq!(rpc.stats().retries.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn batches_are_answered_call_by_call_in_order() {
        let node = ScriptedNode::new(|method, params| {
            assert_eq!(method, "eth_getBalance");
            Ok(json!(params[0]))
        });
        let rpc = node.rpc(cfg(0));
        let params: Vec<(String,)> = (1..=5).map(|i| (format!("0x{i:x}"),)).collect();
        let out: Vec<U64> = rpc.batch("eth_getBalance", params).await.unwrap();
        assert_eq!(out, (1..=5u64).map(U64::from).collect::<Vec<_>>());
        // Batches of 2: three requests, five calls.
        assert_eq!(rpc.stats().requests.load(Ordering::Relaxed), 3);
        assert_eq!(node.calls().len(), 5);
        assert_eq!(rpc.url(), crate::rpc::CUSTOM_TRANSPORT_URL);
    }
}
