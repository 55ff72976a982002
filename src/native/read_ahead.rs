//! The socket as the connection reads it: straight into tungstenite's small read buffer
//! while little arrives, and a burst at a time into a buffer of its own while a lot does.
//!
//! tungstenite reads at most `Config::read_buffer` bytes per call, which is also what an
//! idle connection keeps allocated. Small reads cost a system call each, which would slow
//! large messages down; so when a read fills the caller's buffer (more is probably
//! waiting), the next reads take up to [`BURST`] bytes from the socket at once and hand
//! them out from memory. The burst buffer is freed as soon as the socket has nothing more:
//! an idle connection holds none.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::io::poll_read_buf;

/// How many bytes one read takes from the socket while data keeps coming: what
/// tungstenite's own default read buffer takes.
const BURST: usize = 128 * 1024;

#[derive(Debug)]
pub(super) struct ReadAhead<S> {
    inner: S,
    /// Bytes read ahead and not handed out yet. No allocation unless data keeps coming;
    /// filled without being zeroed first.
    ahead: BytesMut,
    /// The last read from the socket filled the buffer it was given.
    busy: bool,
}

impl<S> ReadAhead<S> {
    pub(super) fn new(inner: S) -> Self {
        Self {
            inner,
            ahead: BytesMut::new(),
            busy: false,
        }
    }

    /// Hands out what was read ahead; frees the buffer once it is empty and the socket is
    /// not busy.
    fn hand_out(&mut self, buf: &mut ReadBuf<'_>) {
        let n = self.ahead.len().min(buf.remaining());
        buf.put_slice(self.ahead.get(..n).unwrap_or_default());
        self.ahead.advance(n);
        if self.ahead.is_empty() && !self.busy {
            self.ahead = BytesMut::new();
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadAhead<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.ahead.is_empty() {
            this.hand_out(buf);
            return Poll::Ready(Ok(()));
        }
        if !this.busy || buf.remaining() >= BURST {
            let wanted = buf.remaining();
            let before = buf.filled().len();
            ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
            this.busy = wanted > 0 && buf.filled().len() - before == wanted;
            return Poll::Ready(Ok(()));
        }
        // Empty: takes the whole allocation back, or makes one.
        this.ahead.reserve(BURST);
        match poll_read_buf(Pin::new(&mut this.inner), cx, &mut this.ahead) {
            Poll::Ready(Ok(read)) => {
                this.busy = read >= BURST;
                this.hand_out(buf);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => {
                this.busy = false;
                this.ahead = BytesMut::new();
                Poll::Ready(Err(error))
            }
            Poll::Pending => {
                // Nothing more for now: back to reading straight through.
                this.busy = false;
                this.ahead = BytesMut::new();
                Poll::Pending
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ReadAhead<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// Reads `len` bytes through `reader` in reads of at most `chunk` bytes.
    async fn read_exactly(
        reader: &mut ReadAhead<tokio::io::DuplexStream>,
        len: usize,
        chunk: usize,
    ) -> Vec<u8> {
        let mut got = Vec::with_capacity(len);
        let mut buf = vec![0; chunk];
        while got.len() < len {
            let n = reader.read(&mut buf).await.unwrap();
            assert!(n > 0, "end of stream after {} bytes", got.len());
            got.extend_from_slice(&buf[..n]);
        }
        got
    }

    #[tokio::test]
    async fn a_burst_is_read_ahead_and_handed_out_in_order_then_freed() {
        let (mut writer, reader) = tokio::io::duplex(4 * BURST);
        let mut reader = ReadAhead::new(reader);
        let sent: Vec<u8> = (0..3 * BURST + 77).map(|i| (i % 251) as u8).collect();
        writer.write_all(&sent).await.unwrap();
        let mut got = read_exactly(&mut reader, 8192, 8192).await;
        assert!(reader.busy, "a full read means more is waiting");
        got.extend(read_exactly(&mut reader, sent.len() - 8192, 8192).await);
        assert_eq!(got, sent);
        // The socket has nothing more: the next read waits, and the burst buffer goes.
        writer.write_all(b"later").await.unwrap();
        assert_eq!(read_exactly(&mut reader, 5, 8192).await, b"later");
        assert!(
            reader.ahead.is_empty(),
            "an idle connection holds no burst buffer"
        );
        assert!(!reader.busy);
    }

    #[tokio::test]
    async fn small_messages_go_straight_through() {
        let (mut writer, reader) = tokio::io::duplex(1024);
        let mut reader = ReadAhead::new(reader);
        for message in [&b"one"[..], b"two", b"three"] {
            writer.write_all(message).await.unwrap();
            assert_eq!(
                read_exactly(&mut reader, message.len(), 8192).await,
                message
            );
            assert!(reader.ahead.is_empty());
        }
        drop(writer);
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
    }

    #[tokio::test]
    async fn writes_pass_through() {
        let (writer, mut peer) = tokio::io::duplex(1024);
        let mut writer = ReadAhead::new(writer);
        writer.write_all(b"out").await.unwrap();
        writer.flush().await.unwrap();
        writer.shutdown().await.unwrap();
        let mut got = Vec::new();
        peer.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"out");
    }
}
