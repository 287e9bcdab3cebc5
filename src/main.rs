//! The `learn` binary: everything is in the library; see `learn::cli`.

fn main() -> std::process::ExitCode {
    learn::cli::main()
}
