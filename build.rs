//! Embeds every starter under `course/starters/` in the binary (see src/course/starters.rs).

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let starters = root.join("course/starters");
    println!("cargo:rerun-if-changed={}", starters.display());
    let mut entries = Vec::new();
    if let Ok(chapters) = std::fs::read_dir(&starters) {
        for chapter in chapters.flatten() {
            println!("cargo:rerun-if-changed={}", chapter.path().display());
            for file in std::fs::read_dir(chapter.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = file.path();
                if path.extension().is_some_and(|e| e == "rs") {
                    let id = format!(
                        "{}/{}",
                        chapter.file_name().to_string_lossy(),
                        path.file_stem().unwrap().to_string_lossy()
                    );
                    entries.push((id, path));
                }
            }
        }
    }
    entries.sort();
    let mut code = String::from(
        "/// `(id, starter text)` for every exercise.\npub static STARTERS: &[(&str, &str)] = &[\n",
    );
    for (id, path) in entries {
        writeln!(
            code,
            "    ({id:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    std::fs::write(
        Path::new(&std::env::var("OUT_DIR").unwrap()).join("starters.rs"),
        code,
    )
    .unwrap();
}
