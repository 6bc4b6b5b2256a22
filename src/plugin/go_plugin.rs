//! go-plugin's own services beside the provider: the controller Terraform uses to shut us down, and the
//! stdio stream (we write nothing to stdout after the handshake, so it carries nothing).

use std::pin::Pin;
use tokio_stream::Stream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::proto::plugin::grpc_controller_server::GrpcController;
use super::proto::plugin::grpc_stdio_server::GrpcStdio;
use super::proto::plugin::{Empty, StdioData};

/// Answers `plugin.GRPCController/Shutdown` by waking the server's shutdown future.
pub struct Controller {
    /// Notified once Terraform asks us to exit.
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("Terraform asked the provider to shut down");
        self.shutdown.cancel();
        Ok(Response::new(Empty {}))
    }
}

/// Serves `plugin.GRPCStdio/StreamStdio` with a stream that ends at once: nothing of ours goes to stdout.
pub struct Stdio;

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = Pin<Box<dyn Stream<Item = Result<StdioData, Status>> + Send>>;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(Box::pin(tokio_stream::empty())))
    }
}
