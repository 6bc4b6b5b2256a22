//! A logging proxy on 127.0.0.1: clients talk to it as to AWS, it forwards each request to the emulator and
//! keeps the request and the answer, so every answer can be checked afterwards exactly as it went on the wire.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;

/// One request and its answer.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Request method.
    pub method: String,
    /// Request path (with any query string).
    pub path: String,
    /// Request headers, names lower-cased.
    pub request_headers: Vec<(String, String)>,
    /// Request body.
    pub request_body: Vec<u8>,
    /// Response status.
    pub status: u16,
    /// Response headers, names lower-cased.
    pub response_headers: Vec<(String, String)>,
    /// Response body.
    pub response_body: Vec<u8>,
}

impl Exchange {
    /// A request header.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        header(&self.request_headers, name)
    }

    /// A response header.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        header(&self.response_headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The running proxy; it serves until the test process ends.
pub struct Proxy {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    log: Arc<Mutex<Vec<Exchange>>>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream` (`http://127.0.0.1:<port>`).
    pub fn start(upstream: &str) -> anyhow::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the logging proxy")?;
        let url = format!("http://{}", listener.local_addr()?);
        let upstream = upstream.trim_start_matches("http://").to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let upstream = upstream.clone();
                let log = shared.clone();
                std::thread::spawn(move || {
                    // A client that hangs up mid-request ends only its own connection.
                    let _ = serve(stream, &upstream, &log);
                });
            }
        });
        Ok(Proxy { url, log })
    }

    /// Every exchange so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// One HTTP/1.1 message: its start line, headers (names lower-cased) and body.
type Message = (String, Vec<(String, String)>, Vec<u8>);

/// Head and body of one HTTP/1.1 message read from `reader`; `None` at a clean end of the connection.
fn read_message(reader: &mut impl BufRead, to_eof: bool) -> anyhow::Result<Option<Message>> {
    let mut start = String::new();
    if reader.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut body = Vec::new();
    if header(&headers, "transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .context("a chunk size")?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(len) = header(&headers, "content-length") {
        body.resize(len.parse().context("a Content-Length")?, 0);
        reader.read_exact(&mut body)?;
    } else if to_eof {
        reader.read_to_end(&mut body)?;
    }
    Ok(Some((start.trim_end().to_string(), headers, body)))
}

fn serve(client: TcpStream, upstream: &str, log: &Mutex<Vec<Exchange>>) -> anyhow::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    while let Some((start, headers, body)) = read_message(&mut reader, false)? {
        let mut parts = start.split_whitespace();
        let method = parts.next().unwrap_or("GET").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        let mut up = TcpStream::connect(upstream).context("connecting to the emulator")?;
        let mut request = format!("{method} {path} HTTP/1.1\r\n");
        for (k, v) in &headers {
            if !["connection", "content-length", "transfer-encoding"].contains(&k.as_str()) {
                request.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        request.push_str(&format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        ));
        up.write_all(request.as_bytes())?;
        up.write_all(&body)?;
        let mut up_reader = BufReader::new(up);
        let (status_line, response_headers, response_body) =
            read_message(&mut up_reader, true)?.context("the emulator closed without answering")?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut answer = format!("{status_line}\r\n");
        for (k, v) in &response_headers {
            if !["connection", "content-length", "transfer-encoding"].contains(&k.as_str()) {
                answer.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        answer.push_str(&format!("content-length: {}\r\n\r\n", response_body.len()));
        client.write_all(answer.as_bytes())?;
        client.write_all(&response_body)?;
        let close = header(&headers, "connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
        log.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Exchange {
                method,
                path,
                request_headers: headers,
                request_body: body,
                status,
                response_headers,
                response_body,
            });
        if close {
            return Ok(());
        }
    }
    Ok(())
}
