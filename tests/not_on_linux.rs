//! Learners not on Linux have a supported way in: a dev container (Codespaces, VS Code) with
//! Rust and tmux, WSL2 named in the README, and a build elsewhere that stops with one message
//! saying where to go (it cannot be compiled here, so its source is read).

mod common;

fn read(path: &str) -> String {
    std::fs::read_to_string(common::root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_dev_container_is_valid_json_with_rust_and_tmux() {
    let config: serde_json::Value = serde_json::from_str(&read(".devcontainer/devcontainer.json"))
        .expect("devcontainer.json is plain JSON");
    let image = config["image"].as_str().expect("an image");
    assert!(image.contains("rust"), "a Rust image: {image}");
    let setup = config["postCreateCommand"]
        .as_str()
        .expect("a setup command");
    assert!(
        setup.contains("install") && setup.contains("tmux"),
        "{setup}"
    );
}

#[test]
fn the_readme_names_the_dev_container_codespaces_and_wsl2() {
    let readme = read("README.md");
    let section = readme
        .split("### Not on Linux")
        .nth(1)
        .expect("a Not on Linux section");
    for needed in [
        ".devcontainer/devcontainer.json",
        "Codespaces",
        "Dev Containers",
        "WSL2",
    ] {
        assert!(section.contains(needed), "the section names {needed}");
    }
}

#[test]
fn a_build_on_another_system_stops_with_one_message_saying_where_to_go() {
    let main = read("src/main.rs");
    let message = main
        .split("#[cfg(not(target_os = \"linux\"))]\ncompile_error!(")
        .nth(1)
        .expect("main.rs has a compile_error! for systems other than Linux");
    for needed in [
        "only on Linux",
        ".devcontainer",
        "WSL2",
        "cargo run -- next",
    ] {
        assert!(message.contains(needed), "the message names {needed}");
    }
    // Nothing else fails first: the library is empty there, and Linux-only crates unbuilt.
    assert!(read("src/lib.rs").contains("\n#![cfg(target_os = \"linux\")]\n"));
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let linux = &manifest["target"]["cfg(target_os = \"linux\")"]["dependencies"];
    for only in ["landlock", "procfs", "seccompiler"] {
        assert!(
            linux.get(only).is_some(),
            "{only} is a Linux-only dependency"
        );
        assert!(manifest["dependencies"].get(only).is_none(), "{only}");
    }
}
