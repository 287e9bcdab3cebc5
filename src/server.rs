//! The download lessons' HTTP server, on 127.0.0.1 at an ephemeral port: `GET /files` lists the
//! file names, one per line; `GET /files/NAME` answers with that file after its delay of one to
//! three seconds. It counts the downloads in flight, so checks can see how many ran at once,
//! and remembers the bytes it served, so checks can compare them with the files saved.
//!
//! hyper on a current-thread tokio runtime serves every connection as a task of its own, so the
//! server never limits how many downloads run at once: what it counts is what the program did.
//! (tiny_http, tried first, hands connections to a thread pool that can queue one behind a busy
//! worker, and a correct program then saw four downloads at once instead of five.)

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// The files served and their delays: fixed, so that timings are comparable between runs.
const FILES: [(&str, u64); 5] = [
    ("File_A.txt", 2000),
    ("File_B.txt", 1000),
    ("File_C.txt", 3000),
    ("File_D.txt", 1500),
    ("File_E.txt", 2500),
];

/// What the server saw during one run, and how the saved files compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadReport {
    /// The most downloads in flight at one moment.
    pub max_in_flight: usize,
    /// File requests served.
    pub requests: usize,
    /// Per file name: `None` when saved with exactly the served bytes, else what is wrong.
    pub files: BTreeMap<String, Option<String>>,
    /// Each download, in the order they began: the file, and when its request came and its
    /// answer was ready, since the first request of the run (the listing, usually).
    pub downloads: Vec<Download>,
}

/// One download the server served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The file's name.
    pub name: String,
    /// When the request came.
    pub from: Duration,
    /// When the answer was ready (the delay over); `None` if it never was.
    pub to: Option<Duration>,
}

struct State {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: AtomicUsize,
    contents: BTreeMap<String, Vec<u8>>,
    /// The first request of the run, and each download: name, start, end.
    timeline: Mutex<(Option<Instant>, Vec<Served>)>,
}

/// A download being served or served: the file, when its request came, when it was answered.
type Served = (String, Instant, Option<Instant>);

/// A running download server; stops when dropped.
pub struct DownloadServer {
    state: Arc<State>,
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    lock: Mutex<()>,
}

impl DownloadServer {
    /// Starts serving on 127.0.0.1 with fresh random file contents.
    pub fn start() -> std::io::Result<DownloadServer> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1;
        let contents = FILES
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                (
                    name.to_string(),
                    file_bytes(seed.wrapping_mul(i as u64 + 7), 2048 + 997 * i),
                )
            })
            .collect();
        let state = Arc::new(State {
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            contents,
            timeline: Mutex::new((None, Vec::new())),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = {
            let state = Arc::clone(&state);
            std::thread::Builder::new()
                .name("learn-server".into())
                .spawn(move || {
                    runtime.block_on(async {
                        tokio::spawn(serve(listener, state));
                        let _ = stopped.await;
                    })
                })?
        };
        Ok(DownloadServer {
            state,
            port,
            stop: Some(stop),
            thread: Some(thread),
            lock: Mutex::new(()),
        })
    }

    /// Its TCP port on 127.0.0.1 (the one port the program's sandbox may connect to).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, passed to the program as `LEARN_SERVER`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the server saw since the last report, and how the files in `out_dir` compare with
    /// what it served; resets the counters for the next run.
    pub fn take_report(&self, out_dir: &Path) -> DownloadReport {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let files = self
            .state
            .contents
            .iter()
            .map(|(name, served)| {
                let problem = match std::fs::read(out_dir.join(name)) {
                    Err(_) => Some("not saved in LEARN_OUT".to_string()),
                    Ok(saved) if &saved != served => Some(format!(
                        "saved {} bytes that differ from the {} bytes served",
                        saved.len(),
                        served.len()
                    )),
                    Ok(_) => None,
                };
                (name.clone(), problem)
            })
            .collect();
        let (origin, timeline) = std::mem::take(
            &mut *self
                .state
                .timeline
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        let since =
            |at: Instant| origin.map_or(Duration::ZERO, |o| at.saturating_duration_since(o));
        DownloadReport {
            max_in_flight: self.state.max_in_flight.swap(0, Ordering::SeqCst),
            requests: self.state.requests.swap(0, Ordering::SeqCst),
            files,
            downloads: timeline
                .into_iter()
                .map(|(name, from, to)| Download {
                    name,
                    from: since(from),
                    to: to.map(since),
                })
                .collect(),
        }
    }
}

impl Drop for DownloadServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Accepts connections, each served by a task of its own, until the server is dropped: the
/// runtime goes with it, and every connection still open is closed.
async fn serve(listener: tokio::net::TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |request| respond(request, Arc::clone(&state)));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Answers one request: the listing at once, a file after its delay, anything else 404.
async fn respond(
    request: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path();
    let arrived = Instant::now();
    state
        .timeline
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .0
        .get_or_insert(arrived);
    if path == "/files" {
        let list: String = state.contents.keys().map(|n| format!("{n}\n")).collect();
        return Ok(Response::new(Full::new(Bytes::from(list))));
    }
    let name = path.strip_prefix("/files/").unwrap_or("");
    let (Some(bytes), Some((_, delay))) = (
        state.contents.get(name),
        FILES.iter().find(|(n, _)| *n == name),
    ) else {
        let mut missing = Response::new(Full::new(Bytes::from("no such file\n")));
        *missing.status_mut() = StatusCode::NOT_FOUND;
        return Ok(missing);
    };
    state.requests.fetch_add(1, Ordering::SeqCst);
    let in_flight = InFlight::enter(&state);
    let index = {
        let mut timeline = state.timeline.lock().unwrap_or_else(|e| e.into_inner());
        timeline.1.push((name.to_string(), arrived, None));
        timeline.1.len() - 1
    };
    tokio::time::sleep(Duration::from_millis(*delay)).await;
    if let Some(download) = state
        .timeline
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .1
        .get_mut(index)
    {
        download.2 = Some(Instant::now());
    }
    drop(in_flight);
    Ok(Response::new(Full::new(Bytes::from(bytes.clone()))))
}

/// One download in progress, counted from its creation until it is dropped (also when the
/// program hangs up in the middle of the delay).
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn enter(state: &'a State) -> InFlight<'a> {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Printable pseudo-random bytes (xorshift), different for every server.
fn file_bytes(mut seed: u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            if i % 64 == 63 {
                return b'\n';
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            b'a' + (seed % 26) as u8
        })
        .collect()
}
