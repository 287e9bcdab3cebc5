//! What `cargo run` does inside `course/`: this package only lists the exercises for
//! rust-analyzer, so it says where `learn` is run from instead of building an exercise.

fn main() {
    eprintln!(
        "This folder is the course's own package, for your editor; `learn` is not here.\n\
         From the repository root (the folder above this one), run:\n\n    cargo run -- next\n"
    );
    std::process::exit(2);
}
