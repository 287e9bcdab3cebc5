// Download files on threads
//
// Asks the server in LEARN_SERVER for its list of files, then downloads every file on a
// thread of its own into the directory LEARN_OUT, printing `[Start] Downloading NAME...`
// and `[Done] NAME`, and at the end `Total time taken: T seconds`. The server takes one
// to three seconds per file: together they should take about as long as the slowest one.

use std::env;
use std::error::Error;
use std::fs;
use std::path::Path;
use std::thread;
use std::time::Instant;

type AnyError = Box<dyn Error + Send + Sync>;

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
    // The thread blocks here until the server answers: the waiting costs no CPU, and
    // the other threads carry on meanwhile.
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

    // One thread per file, all started before any is joined. Scoped threads may borrow
    // `server`, `out_dir` and the names, because the scope joins them before it ends.
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
