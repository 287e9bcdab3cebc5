// Bounded downloads: at most three at a time
//
// Downloads every file the server in LEARN_SERVER lists into LEARN_OUT, like
// download_files, but with never more than three downloads at once: a pool of three
// worker threads takes the names from a shared queue, one at a time, until it is empty.

use std::collections::VecDeque;
use std::env;
use std::error::Error;
use std::fs;
use std::path::Path;
use std::sync::Mutex;
use std::thread;
use std::time::Instant;

type AnyError = Box<dyn Error + Send + Sync>;

/// How many downloads may run at once (`ThreadPoolExecutor(max_workers=3)` in Python).
const MAX_DOWNLOADS: usize = 3;

/// The names the server offers: `GET /files` answers with one name per line.
fn list_files(server: &str) -> Result<Vec<String>, AnyError> {
    let listing = ureq::get(format!("{server}/files"))
        .call()?
        .body_mut()
        .read_to_string()?;
    Ok(listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

/// Downloads one file and saves it under its own name in `out_dir`.
fn download_file(server: &str, out_dir: &Path, name: &str) -> Result<(), AnyError> {
    println!("[Start] Downloading {name}...");
    let bytes = ureq::get(format!("{server}/files/{name}"))
        .call()?
        .body_mut()
        .read_to_vec()?;
    fs::write(out_dir.join(name), bytes)?;
    println!("[Done] {name}");
    Ok(())
}

fn main() -> Result<(), AnyError> {
    let server =
        env::var("LEARN_SERVER").map_err(|_| "LEARN_SERVER is not set: run me with `learn`")?;
    let out_dir = env::var("LEARN_OUT").map_err(|_| "LEARN_OUT is not set: run me with `learn`")?;
    let out_dir = Path::new(&out_dir);

    let start = Instant::now();
    let queue = Mutex::new(VecDeque::from(list_files(&server)?));

    // Three workers, so never more than three downloads at once; each takes the next
    // name as soon as it is free, so three run whenever three names are left.
    thread::scope(|s| {
        let workers: Vec<_> = (0..MAX_DOWNLOADS)
            .map(|_| {
                s.spawn(|| -> Result<(), AnyError> {
                    loop {
                        // Take a name in a statement of its own: the lock guard is dropped
                        // at the `;`, so the queue is free again while we download.
                        // (`while let Some(n) = queue.lock().unwrap().pop_front()` would
                        // hold the lock for the whole loop body: one download at a time.)
                        let next = queue.lock().unwrap().pop_front();
                        let Some(name) = next else { return Ok(()) };
                        download_file(&server, out_dir, &name)?;
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("a download worker panicked")?;
        }
        Ok::<(), AnyError>(())
    })?;

    println!(
        "Total time taken: {:.2} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
