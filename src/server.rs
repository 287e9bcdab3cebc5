//! The download lessons' HTTP server, on 127.0.0.1 at an ephemeral port: `GET /files` lists the
//! file names, one per line; `GET /files/NAME` answers with that file after its delay of one to
//! three seconds. It counts the downloads in flight, so checks can see how many ran at once,
//! and remembers the bytes it served, so checks can compare them with the files saved.
//!
//! tiny_http is used because it is small, synchronous and well kept: a request per thread is
//! exactly what a handful of slow downloads needs.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The files served and their delays: fixed, so that timings are comparable between runs.
const FILES: [(&str, u64); 5] = [("File_A.txt", 2000), ("File_B.txt", 1000), ("File_C.txt", 3000), ("File_D.txt", 1500), ("File_E.txt", 2500)];

/// What the server saw during one run, and how the saved files compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadReport {
    /// The most downloads in flight at one moment.
    pub max_in_flight: usize,
    /// File requests served.
    pub requests: usize,
    /// Per file name: `None` when saved with exactly the served bytes, else what is wrong.
    pub files: BTreeMap<String, Option<String>>,
}

struct State {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: AtomicUsize,
    contents: BTreeMap<String, Vec<u8>>,
}

/// A running download server; stops when dropped.
pub struct DownloadServer {
    server: Arc<tiny_http::Server>,
    state: Arc<State>,
    port: u16,
    thread: Option<std::thread::JoinHandle<()>>,
    lock: Mutex<()>,
}

impl DownloadServer {
    /// Starts serving on 127.0.0.1 with fresh random file contents.
    pub fn start() -> std::io::Result<DownloadServer> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(std::io::Error::other)?;
        let port = server.server_addr().to_ip().map_or(0, |a| a.port());
        let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1;
        let contents = FILES.iter().enumerate().map(|(i, (name, _))| (name.to_string(), file_bytes(seed.wrapping_mul(i as u64 + 7), 2048 + 997 * i))).collect();
        let state = Arc::new(State { in_flight: AtomicUsize::new(0), max_in_flight: AtomicUsize::new(0), requests: AtomicUsize::new(0), contents });
        let server = Arc::new(server);
        let thread = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let state = Arc::clone(&state);
                    std::thread::spawn(move || respond(request, &state));
                }
            })
        };
        Ok(DownloadServer { server, state, port, thread: Some(thread), lock: Mutex::new(()) })
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
                    Ok(saved) if &saved != served => Some(format!("saved {} bytes that differ from the {} bytes served", saved.len(), served.len())),
                    Ok(_) => None,
                };
                (name.clone(), problem)
            })
            .collect();
        DownloadReport {
            max_in_flight: self.state.max_in_flight.swap(0, Ordering::SeqCst),
            requests: self.state.requests.swap(0, Ordering::SeqCst),
            files,
        }
    }
}

impl Drop for DownloadServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn respond(request: tiny_http::Request, state: &State) {
    let url = request.url().to_string();
    if url == "/files" {
        let list: String = state.contents.keys().map(|n| format!("{n}\n")).collect();
        let _ = request.respond(tiny_http::Response::from_string(list));
        return;
    }
    let name = url.strip_prefix("/files/").unwrap_or("");
    let (Some(bytes), Some((_, delay))) = (state.contents.get(name), FILES.iter().find(|(n, _)| *n == name)) else {
        let _ = request.respond(tiny_http::Response::from_string("no such file\n").with_status_code(404));
        return;
    };
    state.requests.fetch_add(1, Ordering::SeqCst);
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(*delay));
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let _ = request.respond(tiny_http::Response::from_data(bytes.clone()));
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
