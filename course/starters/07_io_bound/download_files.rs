// Download files on threads
//
// Asks the server in LEARN_SERVER for its list of files, then should download every file
// on a thread of its own into the directory LEARN_OUT, printing `[Start] Downloading NAME...`
// and `[Done] NAME`, and at the end `Total time taken: T seconds`. The server takes one
// to three seconds per file: together they should take about as long as the slowest one,
// but right now the files come one after another.

use std::env;
use std::error::Error;
use std::fs;
use std::path::Path;
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

    // TODO: one download after another: each waits for the server while nothing else
    // happens, so the total is the sum of all the delays. Download every file on a
    // thread of its own, start them all, then wait for every one of them.
    for name in &names {
        download_file(&server, out_dir, name)?;
    }

    println!(
        "Total time taken: {:.2} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
