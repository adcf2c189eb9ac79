//! The connection loop: accepts TCP connections up to a cap and serves each
//! with HTTP/1.1, closing those that hold the server without asking anything
//! of it (issue 12 items 5 and 13).
//!
//! Each connection is in one of three phases, watched by its own task:
//! - **idle** (no request begun since it opened or since its last answer):
//!   closed after [`Limits::idle_timeout`];
//! - **head** (the first bytes of a request arrived, its head is not complete):
//!   closed after [`Limits::header_timeout`];
//! - **busy** (a request is being answered): its body must arrive within
//!   [`Limits::request_timeout`] of its first byte, else the answer is a 408
//!   (see [`crate::refusals`]).
//!
//! At [`Limits::max_connections`] open connections no more are accepted (they
//! wait in the kernel's backlog) until one closes, and a warning is logged
//! (at most once a minute).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify, Semaphore};
use tokio::time::Instant;
use tower_service::Service;

/// Least time between two warnings that the connection cap is reached.
const CAP_WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// Limits on what one connection may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time a client has to send a whole request head once it has begun.
    pub header_timeout: Duration,
    /// Time a connection may stay open with no request begun.
    pub idle_timeout: Duration,
    /// Time a client has to send a whole request (head and body) from its first byte.
    pub request_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// When the body of a request must have arrived; a request extension read by
/// [`crate::refusals`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestDeadline {
    /// The deadline.
    pub at: Instant,
    /// The timeout it comes from (for the message).
    pub limit: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Head,
    Busy,
}

/// The phase of one connection and when it began; its watchdog is woken
/// when the phase changes.
#[derive(Debug)]
struct Activity {
    state: Mutex<(Phase, Instant)>,
    changed: Notify,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            state: Mutex::new((Phase::Idle, Instant::now())),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Phase, Instant)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self) -> (Phase, Instant) {
        *self.lock()
    }

    fn set(&self, phase: Phase) {
        *self.lock() = (phase, Instant::now());
        self.changed.notify_one();
    }

    /// Bytes arrived: an idle connection has begun a request.
    fn on_read(&self) {
        let mut state = self.lock();
        if state.0 == Phase::Idle {
            *state = (Phase::Head, Instant::now());
            self.changed.notify_one();
        }
    }

    /// A request head is complete: returns when its first byte arrived.
    fn begin_request(&self) -> Instant {
        let mut state = self.lock();
        let began = match state.0 {
            Phase::Head => state.1,
            _ => Instant::now(),
        };
        *state = (Phase::Busy, began);
        self.changed.notify_one();
        began
    }
}

/// A stream that reports arriving bytes to its connection's [`Activity`].
struct Watched<S> {
    stream: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.on_read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes,
/// then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let cap = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(cap));
    let (stop, stopping) = watch::channel(false);
    let mut warned: Option<Instant> = None;
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if warned.is_none_or(|at| at.elapsed() >= CAP_WARNING_INTERVAL) {
                    warned = Some(Instant::now());
                    tracing::warn!(
                        target: "userpools",
                        max_connections = cap,
                        "open connections reached the cap (--max-connections): new connections \
                         wait until one closes"
                    );
                }
                tokio::select! {
                    permit = slots.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors (or a connection reset before it was
                // accepted): wait a little rather than spin.
                tracing::warn!(target: "userpools", %error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            connection(stream, peer, router, limits, stopping).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a slot until it closes.
    let _ = slots
        .acquire_many(u32::try_from(cap).unwrap_or(u32::MAX))
        .await;
    Ok(())
}

/// Serves one connection (TCP, or a stream layered on it such as TLS) until
/// it closes, its client is too slow, or the server stops.
async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let for_requests = activity.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let began = for_requests.begin_request();
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(RequestDeadline {
            at: began + limits.request_timeout,
            limit: limits.request_timeout,
        });
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        let activity = for_requests.clone();
        async move {
            let response = router.call(request).await;
            activity.set(Phase::Idle);
            response
        }
    });
    let conn = http1::Builder::new()
        .header_read_timeout(None)
        .serve_connection(io, service);
    let mut conn = pin!(conn);
    // When a graceful close was asked for, if it was.
    let mut closing: Option<Instant> = None;
    loop {
        let (phase, since) = activity.get();
        let deadline = match (closing, phase) {
            // A close asked for while a request runs waits for its answer to
            // be written; the deadline is a backstop for a client that does not read it.
            (Some(asked), Phase::Idle) => Some(asked.max(since) + limits.header_timeout),
            (_, Phase::Idle) => Some(since + limits.idle_timeout),
            (_, Phase::Head) => Some(since + limits.header_timeout),
            (_, Phase::Busy) => None,
        };
        let expired = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(target: "userpools::connection", %peer, %error, "connection ended");
                }
                return;
            }
            () = activity.changed.notified() => continue,
            () = expired => {
                if activity.get() != (phase, since) {
                    continue; // it moved on meanwhile
                }
                match (closing, phase) {
                    (None, Phase::Idle) => {
                        conn.as_mut().graceful_shutdown();
                        closing = Some(Instant::now());
                    }
                    _ => {
                        tracing::debug!(target: "userpools::connection", %peer, ?phase, "slow client: connection closed");
                        return;
                    }
                }
            }
            changed = stopping.changed(), if closing.is_none() => {
                if changed.is_err() || *stopping.borrow() {
                    conn.as_mut().graceful_shutdown();
                    closing = Some(Instant::now());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_bytes_and_the_requests() {
        let activity = Activity::new();
        assert_eq!(activity.get().0, Phase::Idle);
        activity.on_read();
        let (phase, head_began) = activity.get();
        assert_eq!(phase, Phase::Head);
        activity.on_read(); // more of the same head
        assert_eq!(activity.get(), (Phase::Head, head_began));
        // The request's clock starts at its first byte.
        assert_eq!(activity.begin_request(), head_began);
        activity.on_read(); // its body
        assert_eq!(activity.get().0, Phase::Busy);
        activity.set(Phase::Idle);
        assert_eq!(activity.get().0, Phase::Idle);
    }
}
