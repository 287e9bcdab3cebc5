// Bounded downloads: at most three at a time
//
// Downloads every file the server in LEARN_SERVER lists into LEARN_OUT, like
// download_files, but with never more than three downloads at once. Right now every
// file gets a thread of its own, and all the downloads hit the server together.

use std::env;
use std::error::Error;
use std::fs;
use std::path::Path;
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
    let names = list_files(&server)?;

    // TODO: a thread per file starts every download at once, however many files there
    // are. Let at most MAX_DOWNLOADS run at a time, and start the next one as soon as
    // one finishes, so that MAX_DOWNLOADS are running whenever there is enough work.
    thread::scope(|s| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| s.spawn(|| download_file(&server, out_dir, name)))
            .collect();
        for handle in handles {
            handle.join().expect("a download thread panicked")?;
        }
        Ok::<(), AnyError>(())
    })?;

    println!(
        "Total time taken: {:.2} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
