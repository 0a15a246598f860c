//! Connections that cannot be held open for nothing: the request head must arrive within a
//! deadline (a client sending half a header and waiting is dropped), and a connection that
//! neither reads nor writes for a while is closed. axum's `serve` offers neither, and hyper's
//! own header timeout needs a timer axum does not give it; this wraps the accepted sockets.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// A TCP listener whose connections carry the deadlines.
#[derive(Debug)]
pub(crate) struct GuardedListener {
    inner: TcpListener,
    header: Duration,
    idle: Duration,
}

impl GuardedListener {
    /// Wraps `inner`: a request head within `header`, and no silence longer than `idle`.
    pub(crate) fn new(inner: TcpListener, header: Duration, idle: Duration) -> Self {
        GuardedListener {
            inner,
            header,
            idle,
        }
    }
}

impl axum::serve::Listener for GuardedListener {
    type Io = Guarded;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Guarded, SocketAddr) {
        loop {
            match self.inner.accept().await {
                Ok((io, addr)) => {
                    let _ = io.set_nodelay(true);
                    return (Guarded::new(io, self.header, self.idle), addr);
                }
                // Out of descriptors and the like: wait, as axum's own listener does.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A socket with a deadline for the first request head and an idle deadline.
#[derive(Debug)]
pub(crate) struct Guarded {
    io: TcpStream,
    /// Until the end of the first request head (`\r\n\r\n`) is read.
    head: Option<Pin<Box<Sleep>>>,
    /// Bytes of `\r\n\r\n` matched so far.
    matched: u8,
    idle: Duration,
    /// Fires no later than `last + idle`; moved only when it fires early (moving a timer on
    /// every read and write took the runtime's timer lock twice per request).
    idle_timer: Pin<Box<Sleep>>,
    /// The last time a byte was read or written.
    last: Instant,
}

impl Guarded {
    fn new(io: TcpStream, header: Duration, idle: Duration) -> Self {
        Guarded {
            io,
            head: Some(Box::pin(tokio::time::sleep(header))),
            matched: 0,
            idle,
            idle_timer: Box::pin(tokio::time::sleep(idle)),
            last: Instant::now(),
        }
    }

    fn saw(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.last = Instant::now();
        if self.head.is_none() {
            return;
        }
        const END: &[u8; 4] = b"\r\n\r\n";
        for &b in bytes {
            self.matched = if b == END[self.matched as usize] {
                self.matched + 1
            } else if b == b'\r' {
                1
            } else {
                0
            };
            if self.matched == 4 {
                self.head = None;
                return;
            }
        }
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        let head = self
            .head
            .as_mut()
            .is_some_and(|h| h.as_mut().poll(cx).is_ready());
        if head {
            return true;
        }
        while self.idle_timer.as_mut().poll(cx).is_ready() {
            let deadline = self.last + self.idle;
            if deadline <= Instant::now() {
                return true;
            }
            // Bytes moved since the timer was set: wait for the rest of the idle time.
            self.idle_timer.as_mut().reset(deadline);
        }
        false
    }
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "connection closed: request head too slow, or idle",
    )
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                self.saw(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &r {
            if *n > 0 {
                self.last = Instant::now();
            }
        }
        r
    }

    // Vectored, as a plain socket is: hyper then sends a response's head and body in one
    // `writev` instead of copying the body behind the head first.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &r {
            if *n > 0 {
                self.last = Instant::now();
            }
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
