//! A tiny HTTP/1.1 server on 127.0.0.1 for the downloader's tests. Each test decides per request what the
//! server does (serve, honour or ignore Range, cut the body short, dribble slowly, fail with a status) and
//! reads back the request log. The accept loop is bounded by a request count and a deadline.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    pub range: Option<String>,
}

/// What to send back for one request.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Close the connection after this many body bytes, whatever Content-Length promised.
    pub cut_at: Option<usize>,
    /// Send the body in chunks of this size with this pause between them.
    pub dribble: Option<(usize, Duration)>,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply { status, headers: vec![], body: vec![], cut_at: None, dribble: None }
    }

    /// Serves `data`, answering a `Range: bytes=N-` request with 206 when `honour_range`.
    pub fn serve(data: &[u8], req: &Request, honour_range: bool) -> Self {
        let start = req
            .range
            .as_deref()
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
        match start {
            Some(start) if honour_range && start < data.len() => Reply {
                status: 206,
                headers: vec![("Content-Range".into(), format!("bytes {start}-{}/{}", data.len() - 1, data.len()))],
                body: data[start..].to_vec(),
                cut_at: None,
                dribble: None,
            },
            Some(_) if honour_range => Reply::status(416),
            _ => Reply { status: 200, headers: vec![], body: data.to_vec(), cut_at: None, dribble: None },
        }
    }
}

pub type Handler = dyn Fn(usize, &Request) -> Reply + Send + Sync;

pub struct TestServer {
    pub url: String,
    pub log: Arc<Mutex<Vec<Request>>>,
}

impl TestServer {
    /// Starts serving at most `max_requests` requests; `handler` gets the request's index and the request.
    pub fn start(max_requests: usize, handler: Box<Handler>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let thread_log = Arc::clone(&log);
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut served = 0;
            while served < max_requests && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        handle(stream, served, &*handler, &thread_log);
                        served += 1;
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TestServer { url, log }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().expect("log").clone()
    }
}

fn handle(stream: TcpStream, index: usize, handler: &Handler, log: &Mutex<Vec<Request>>) -> Option<()> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    // Bounded: a request with hundreds of header lines is not one our client sends.
    for _ in 0..100 {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("range")
        {
            range = Some(value.trim().to_string());
        }
    }
    let req = Request { path, range };
    // Logged before replying, so a test that has its answer also sees the request.
    log.lock().ok()?.push(req.clone());
    let reply = handler(index, &req);
    let _ = write_reply(stream, &reply);
    Some(())
}

fn write_reply(mut stream: TcpStream, reply: &Reply) -> std::io::Result<()> {
    let mut head =
        format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n", reply.status, reply.body.len());
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    let body = &reply.body[..reply.cut_at.unwrap_or(reply.body.len()).min(reply.body.len())];
    match reply.dribble {
        Some((chunk, pause)) => {
            for piece in body.chunks(chunk.max(1)) {
                stream.write_all(piece)?;
                stream.flush()?;
                std::thread::sleep(pause);
            }
        }
        None => stream.write_all(body)?,
    }
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(())
}
