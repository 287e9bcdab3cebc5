//! The `learn` binary: everything is in the library; see `learn::cli`. On a system other
//! than Linux the library is empty and this says, as the build's one error, where to go.

#[cfg(not(target_os = "linux"))]
compile_error!(
    "learn runs only on Linux: it grades programs with Linux's /proc, its scheduler and its \
     sandbox (landlock, seccomp). On macOS or Windows, open this repository in its dev \
     container (.devcontainer/: GitHub Codespaces, or VS Code with the Dev Containers \
     extension), or on Windows in WSL2 (`wsl --install`, then clone and build inside Ubuntu), \
     and run `cargo run -- next` there. See \"Not on Linux\" in README.md."
);

#[cfg(target_os = "linux")]
fn main() -> std::process::ExitCode {
    learn::cli::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {}
