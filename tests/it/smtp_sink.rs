//! A small SMTP server on loopback that records every message it takes:
//! enough of RFC 5321 for a real client (EHLO/HELO, MAIL, RCPT, DATA, RSET,
//! NOOP, QUIT), no TLS and no AUTH. Replies to RCPT and to the end of DATA
//! can be scripted, to test refusals.
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One message as the sink took it.
#[derive(Clone, Debug)]
pub struct Mail {
    pub helo: String,
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent, dot-stuffing undone, CRLF line ends.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct Inner {
    mails: Vec<Mail>,
    /// Replies for the next RCPT commands, in order; then 250.
    rcpt_replies: VecDeque<String>,
    /// Replies for the next ends of DATA, in order; then 250.
    data_replies: VecDeque<String>,
    /// Every command line received, for debugging failures.
    transcript: Vec<String>,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    arrived: Arc<Notify>,
}

/// The most a test message may be; more is refused like a real server would.
const MAX_MESSAGE: usize = 1024 * 1024;

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = SmtpSink {
            addr: listener.local_addr().unwrap(),
            inner: Arc::default(),
            arrived: Arc::new(Notify::new()),
        };
        let served = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let session = served.clone();
                tokio::spawn(async move {
                    let _ = session.serve(stream).await;
                });
            }
        });
        sink
    }

    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// The next RCPT commands get these replies (e.g. `550 5.1.1 No such user`).
    pub fn script_rcpt(&self, replies: &[&str]) {
        let mut inner = self.inner.lock().unwrap();
        inner
            .rcpt_replies
            .extend(replies.iter().map(|r| r.to_string()));
    }

    /// The next messages get these replies after their data.
    pub fn script_data(&self, replies: &[&str]) {
        let mut inner = self.inner.lock().unwrap();
        inner
            .data_replies
            .extend(replies.iter().map(|r| r.to_string()));
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.inner.lock().unwrap().mails.clone()
    }

    pub fn transcript(&self) -> Vec<String> {
        self.inner.lock().unwrap().transcript.clone()
    }

    /// Waits until at least `n` messages were taken.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.arrived.notified();
            let got = self.mails();
            if got.len() >= n {
                return got;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                !left.is_zero(),
                "expected {n} mails, got {}; transcript: {:#?}",
                got.len(),
                self.transcript()
            );
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }

    async fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write
            .write_all(b"220 sink.test ESMTP test sink\r\n")
            .await?;
        let mut helo = String::new();
        let mut from: Option<String> = None;
        let mut to: Vec<String> = Vec::new();
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_string();
            self.inner.lock().unwrap().transcript.push(command.clone());
            let upper = command.to_ascii_uppercase();
            let verb = upper.split_whitespace().next().unwrap_or("");
            let reply: String = match verb {
                "EHLO" => {
                    helo = command[4..].trim().to_string();
                    "250-sink.test greets you\r\n250-8BITMIME\r\n250 SIZE 1048576".into()
                }
                "HELO" => {
                    helo = command[4..].trim().to_string();
                    "250 sink.test".into()
                }
                "MAIL" if upper.starts_with("MAIL FROM:") => {
                    from = Some(angle(&command["MAIL FROM:".len()..]));
                    to.clear();
                    "250 2.1.0 Sender OK".into()
                }
                "RCPT" if upper.starts_with("RCPT TO:") => {
                    if from.is_none() {
                        "503 5.5.1 MAIL first".into()
                    } else {
                        let scripted = self.inner.lock().unwrap().rcpt_replies.pop_front();
                        match scripted {
                            Some(reply) => reply,
                            None => {
                                to.push(angle(&command["RCPT TO:".len()..]));
                                "250 2.1.5 Recipient OK".into()
                            }
                        }
                    }
                }
                "DATA" if from.is_some() && !to.is_empty() => {
                    write
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let mut data: Vec<u8> = Vec::new();
                    loop {
                        let mut l = String::new();
                        if lines.read_line(&mut l).await? == 0 {
                            return Ok(());
                        }
                        if l == ".\r\n" || l == ".\n" {
                            break;
                        }
                        let unstuffed = l.strip_prefix('.').unwrap_or(&l);
                        data.extend_from_slice(unstuffed.as_bytes());
                        if data.len() > MAX_MESSAGE {
                            write.write_all(b"552 5.3.4 Message too big\r\n").await?;
                            return Ok(());
                        }
                    }
                    let scripted = self.inner.lock().unwrap().data_replies.pop_front();
                    let reply = match scripted {
                        Some(reply) => reply,
                        None => {
                            let mut inner = self.inner.lock().unwrap();
                            inner.mails.push(Mail {
                                helo: helo.clone(),
                                from: from.clone().unwrap_or_default(),
                                to: to.clone(),
                                data,
                            });
                            let n = inner.mails.len();
                            format!("250 2.0.0 OK queued as sink-{n}")
                        }
                    };
                    self.arrived.notify_waiters();
                    from = None;
                    to.clear();
                    reply
                }
                "DATA" => "503 5.5.1 RCPT first".into(),
                "RSET" => {
                    from = None;
                    to.clear();
                    "250 2.0.0 OK".into()
                }
                "NOOP" => "250 2.0.0 OK".into(),
                "QUIT" => {
                    write.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => "502 5.5.2 Command not implemented".into(),
            };
            write.write_all(reply.as_bytes()).await?;
            write.write_all(b"\r\n").await?;
        }
    }
}

/// `<a@b.c> SIZE=…` → `a@b.c`.
fn angle(s: &str) -> String {
    let s = s.trim();
    match (s.find('<'), s.find('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].to_string(),
        _ => s.split_whitespace().next().unwrap_or("").to_string(),
    }
}
