//! A hostile HTTP server on 127.0.0.1, port 0, for the tests of what the client refuses: it
//! answers each request as a rule says (a redirect, a body that never ends, absurd headers, an
//! edited copy of the sandbox's answer) and records every request it saw, so a test can prove
//! that a redirect's target never received one. Plain HTTP/1.1 over a raw TCP listener: the
//! hostile bodies are streamed from a fixed buffer, never allocated whole.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// How to answer one request.
pub enum Answer {
    /// A complete answer.
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// 200 with a body of zeros that never ends (chunked), or that announces `length` bytes and
    /// sends them until the client goes away.
    Endless { length: Option<u64> },
    /// The request forwarded to `upstream` and its answer passed back, edited by the function
    /// (its JSON body, when it is JSON).
    Forward {
        upstream: String,
        edit: Option<fn(&mut serde_json::Value)>,
    },
}

impl Answer {
    pub fn status(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        Answer::Reply {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }
}

type Rule = Arc<dyn Fn(&Seen) -> Answer + Send + Sync>;

/// The running server; stopped when dropped.
pub struct Hostile {
    runtime: tokio::runtime::Runtime,
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    /// Starts a server that answers every request with `rule`.
    pub fn start(rule: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Hostile {
        let runtime = super::runtime("the hostile server");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("a port on loopback");
        let port = listener.local_addr().expect("a bound address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rule: Rule = Arc::new(rule);
        let log = seen.clone();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, rule.clone(), log.clone()));
            }
        });
        Hostile {
            runtime,
            port,
            seen,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("the log is not poisoned").clone()
    }

    /// Runs a future on the server's runtime (for library-level tests).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

async fn serve(stream: TcpStream, rule: Rule, log: Arc<Mutex<Vec<Seen>>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let Some(seen) = read_request(&mut reader).await else {
            return;
        };
        if let Ok(mut log) = log.lock() {
            log.push(seen.clone());
        }
        let answer = rule(&seen);
        let stream = reader.get_mut();
        let keep = match answer {
            Answer::Reply {
                status,
                headers,
                body,
            } => write_reply(stream, status, &headers, &body).await,
            Answer::Endless { length } => {
                endless(stream, length).await;
                false
            }
            Answer::Forward { upstream, edit } => {
                let (status, headers, body) = forward(&upstream, &seen, edit).await;
                write_reply(stream, status, &headers, &body).await
            }
        };
        if !keep {
            return;
        }
    }
}

async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Seen> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}

async fn write_reply(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> bool {
    let mut head = format!(
        "HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.is_ok() && stream.write_all(body).await.is_ok()
}

/// Zeros until the client hangs up: the same 64 KiB buffer written again and again.
async fn endless(stream: &mut TcpStream, length: Option<u64>) {
    let head = match length {
        Some(length) => format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
        ),
        None => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                 transfer-encoding: chunked\r\n\r\n"
            .to_string(),
    };
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let zeros = vec![b'0'; 64 << 10];
    let chunk = match length {
        Some(_) => zeros.clone(),
        None => {
            let mut chunk = format!("{:x}\r\n", zeros.len()).into_bytes();
            chunk.extend_from_slice(&zeros);
            chunk.extend_from_slice(b"\r\n");
            chunk
        }
    };
    let mut sent = 0u64;
    while stream.write_all(&chunk).await.is_ok() {
        sent += chunk.len() as u64;
        if length.is_some_and(|length| sent >= length) {
            return;
        }
    }
}

async fn forward(
    upstream: &str,
    seen: &Seen,
    edit: Option<fn(&mut serde_json::Value)>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let client = crate::util::http();
    let method = reqwest::Method::from_bytes(seen.method.as_bytes()).expect("a method");
    let mut request = client
        .request(method, format!("{upstream}{}", seen.path))
        .body(seen.body.clone());
    for (name, value) in &seen.headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection") {
            request = request.header(name, value);
        }
    }
    let response = request.send().await.expect("the upstream answers");
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection"
            )
        })
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let mut body = response.bytes().await.expect("the upstream body").to_vec();
    if let Some(edit) = edit {
        if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&body) {
            edit(&mut json);
            body = serde_json::to_vec(&json).expect("JSON");
        }
    }
    (status, headers, body)
}
