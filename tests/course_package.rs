//! `course/Cargo.toml` lists every exercise and solution of the course as a binary, so
//! rust-analyzer understands every file a learner opens.

mod common;

#[test]
fn course_package_lists_every_exercise() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(common::root().join("course/Cargo.toml")).unwrap())
            .unwrap();
    let bins: Vec<(String, String)> = manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for exercise in common::course().exercises {
        let name = exercise.id.replace('/', "-");
        let expect = [
            (name.clone(), format!("../exercises/{}.rs", exercise.id)),
            (
                format!("solution-{name}"),
                format!("../solutions/{}.rs", exercise.id),
            ),
        ];
        for bin in expect {
            assert!(
                bins.contains(&bin),
                "course/Cargo.toml lacks [[bin]] name = {:?} path = {:?}",
                bin.0,
                bin.1
            );
        }
    }
}

#[test]
fn cargo_run_inside_course_says_where_learn_is_run_from() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(common::root().join("course/Cargo.toml")).unwrap())
            .unwrap();
    let default = manifest["package"]["default-run"]
        .as_str()
        .expect("course/Cargo.toml sets default-run, or `cargo run` there asks which binary");
    let bin = manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"].as_str() == Some(default))
        .expect("default-run names one of the [[bin]]s");
    let source = std::fs::read_to_string(
        common::root()
            .join("course")
            .join(bin["path"].as_str().unwrap()),
    )
    .unwrap();
    assert!(source.contains("cargo run -- next"), "{source}");
}
