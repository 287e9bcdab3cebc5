//! The build's sandbox and bounds (`src/build/sandbox.rs`): a file whose compile-time code
//! reaches for the grader's files or environment is refused with a message naming what was
//! refused; a normal build still works and finds the course's dependencies fresh; a build
//! that never ends or eats memory is stopped with a message, and the others are built.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use learn::build::replay::Rebuilder;
use learn::build::sandbox::Sandbox;
use learn::build::{Backend, Binary, Cargo, CompileError, Toolchain, Unit};

/// cargo on this course, in the tests' shared build folder, in `sandbox`.
fn cargo(sandbox: Sandbox) -> Cargo {
    Cargo {
        root: common::root(),
        target_dir: common::target_dir(),
        toolchain: Toolchain {
            sandbox,
            ..Toolchain::default()
        },
    }
}

/// A unit of `code` (with `@ROOT@` replaced by the course root), in a folder of its own.
fn unit(dir: &Path, name: &str, code: &str) -> Unit {
    let source = dir.join(format!("{name}.rs"));
    let code = code.replace("@ROOT@", &common::root().display().to_string());
    std::fs::write(&source, code).unwrap();
    Unit {
        id: format!("build_sandbox/{name}"),
        source,
        harness: None,
        shuttle: false,
    }
}

/// Builds `code` alone in the default sandbox.
fn build(name: &str, code: &str) -> Result<Binary, CompileError> {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit(dir.path(), name, code);
    let mut built = cargo(Sandbox::default())
        .build_quietly(std::slice::from_ref(&unit))
        .expect("cargo runs");
    built.remove(&unit).unwrap()
}

/// The error of a build that must fail, with its headline and rendered text.
fn refused(name: &str, code: &str) -> CompileError {
    match build(name, code) {
        Ok(binary) => panic!("{name} built: {}", binary.exe.display()),
        Err(error) => error,
    }
}

/// Asserts that `error` is the sandbox's refusal to let the build read `path`.
fn assert_denied(error: &CompileError, path: &str) {
    assert!(
        error.rendered.contains(path) && error.rendered.contains("Permission denied"),
        "{}",
        error.rendered
    );
}

/// Asserts that the headline of `error` says `says`.
fn assert_headline(error: &CompileError, says: &str) {
    assert!(error.headline.contains(says), "{}", error.rendered);
}

/// What the program at `exe` prints, run as it is.
fn output_of(exe: &Path) -> String {
    let output = std::process::Command::new(exe).output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The course's dependencies were built already: a build of a new file compiles that file
/// only, sandboxed, so the sandbox keeps cargo's fingerprints of rayon and tokio fresh.
#[test]
fn a_normal_build_works_in_the_sandbox_and_the_dependencies_stay_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let uses_deps = "use rayon::prelude::*;\nfn main() {\n    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();\n    drop(rt);\n    println!(\"{}\", (1..=4u32).into_par_iter().sum::<u32>());\n}\n";
    let first = unit(dir.path(), "uses_deps", uses_deps);
    let built = cargo(Sandbox::default())
        .build_quietly(std::slice::from_ref(&first))
        .unwrap();
    let exe = built[&first].clone().expect("builds in the sandbox").exe;
    assert_eq!(output_of(&exe).trim(), "10");
    let second = unit(
        dir.path(),
        "uses_deps_again",
        &format!("// another file\n{uses_deps}"),
    );
    let lines = std::sync::Mutex::new(Vec::new());
    let each = |line: &str| lines.lock().unwrap().push(line.to_string());
    let never = std::sync::atomic::AtomicBool::new(false);
    let built = cargo(Sandbox::default())
        .build(std::slice::from_ref(&second), Some(&each), &never)
        .unwrap();
    assert!(built[&second].is_ok(), "{:?}", built[&second]);
    let compiled: Vec<String> = lines
        .into_inner()
        .unwrap()
        .into_iter()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .collect();
    assert!(
        compiled.iter().all(|l| l.contains("learn-build")),
        "only the generated package is compiled, no dependency: {compiled:?}"
    );
}

/// A file that includes a solution by its absolute path.
const INCLUDE_SOLUTION: &str = "const S: &str = include_str!(\"@ROOT@/solutions/01_threads/spawn_join.rs\");\nfn main() { println!(\"{S}\"); }\n";

#[test]
fn include_str_of_a_solution_by_its_absolute_path_is_refused() {
    let error = refused("include_solution", INCLUDE_SOLUTION);
    assert_denied(&error, "solutions/01_threads/spawn_join.rs");
}

#[test]
fn a_path_attribute_through_a_meta_fragment_is_refused() {
    let error = refused(
        "path_through_meta",
        "macro_rules! steal { ($a:meta) => { #[$a] mod stolen; }; }\nsteal!(path = \"@ROOT@/solutions/01_threads/spawn_join.rs\");\nfn main() { stolen::main(); }\n",
    );
    assert_denied(&error, "solutions/01_threads/spawn_join.rs");
}

#[test]
fn a_module_named_through_an_ident_fragment_finds_nothing_beside_the_copy() {
    let error = refused(
        "module_through_ident",
        "macro_rules! steal { ($m:ident) => { mod $m; }; }\nsteal!(spawn_join);\nfn main() { spawn_join::main(); }\n",
    );
    assert_headline(&error, "file not found for module `spawn_join`");
}

#[test]
fn include_str_through_an_expr_fragment_of_a_snapshot_by_a_relative_path_is_refused() {
    // From the copy in `target/learn-tests/sources/SHA256/`, four folders up is the course.
    let error = refused(
        "snapshot_through_expr",
        "macro_rules! read { ($p:expr) => { include_str!($p) }; }\nconst S: &str = read!(\"../../../../course/snapshots/01_threads__scoped_sum@default.snap\");\nfn main() { println!(\"{S}\"); }\n",
    );
    assert_denied(
        &error,
        "course/snapshots/01_threads__scoped_sum@default.snap",
    );
}

/// The environment variable the secret tests set in the process that builds.
const SECRET: &str = "LEARN_TEST_BUILD_SECRET";

/// Runs the ignored test `name` of this file in a process of its own with [`SECRET`] set,
/// so that the build's parent holds a secret in its environment.
fn with_secret(name: &str) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", name, "--nocapture"])
        .env(SECRET, "hunter2")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn option_env_of_a_secret_in_learns_environment_is_none() {
    with_secret("option_env_sees_no_secret");
}

#[test]
#[ignore = "run by option_env_of_a_secret_in_learns_environment_is_none, with the secret set"]
fn option_env_sees_no_secret() {
    assert_eq!(std::env::var(SECRET).as_deref(), Ok("hunter2"));
    let binary = build(
        "option_env_secret",
        &format!("fn main() {{ println!(\"{{:?}}\", option_env!(\"{SECRET}\")); }}\n"),
    )
    .expect("builds");
    assert_eq!(output_of(&binary.exe).trim(), "None");
}

#[test]
fn include_bytes_of_proc_self_environ_holds_no_secret_of_learns() {
    with_secret("proc_self_environ_holds_no_secret");
}

#[test]
#[ignore = "run by include_bytes_of_proc_self_environ_holds_no_secret_of_learns, with the secret set"]
fn proc_self_environ_holds_no_secret() {
    assert_eq!(std::env::var(SECRET).as_deref(), Ok("hunter2"));
    match build(
        "proc_self_environ",
        "const E: &[u8] = include_bytes!(\"/proc/self/environ\");\nfn main() { println!(\"{}\", String::from_utf8_lossy(E).replace('\\0', \"\\n\")); }\n",
    ) {
        Ok(binary) => {
            let environ = output_of(&binary.exe);
            assert!(!environ.contains("hunter2"), "{environ}");
            let names: Vec<&str> = environ
                .lines()
                .filter_map(|l| l.split('=').next())
                .collect();
            for name in names.iter().filter(|n| !n.is_empty()) {
                assert!(
                    [
                        "PATH",
                        "CARGO",
                        "RUSTC",
                        "HOME",
                        "TMPDIR",
                        "LANG",
                        "LD_LIBRARY_PATH",
                        "OUT_DIR",
                        "SSL_CERT",
                        "RUST",
                        "DEP_"
                    ]
                    .iter()
                    .any(|p| name.starts_with(p)),
                    "{name} reached rustc: {environ}"
                );
            }
        }
        Err(error) => assert!(
            error.rendered.contains("/proc/self/environ"),
            "{}",
            error.rendered
        ),
    }
}

/// A `const` evaluated without end, with the lint that would stop it allowed.
const CONST_EVAL_FOREVER: &str = "#![allow(long_running_const_eval)]\nconst FOREVER: u64 = {\n    let mut i: u64 = 1;\n    while i != 0 {\n        i = i.wrapping_add(2);\n    }\n    i\n};\nfn main() {\n    println!(\"{FOREVER}\");\n}\n";

#[test]
fn a_submission_whose_build_never_ends_holds_up_nobody_in_its_class() {
    const DEADLINE: u64 = 20;
    let pristine = common::course_copy();
    let class = tempfile::tempdir().unwrap();
    let exercise = "exercises/01_threads/spawn_join.rs";
    let solution =
        std::fs::read_to_string(common::root().join("solutions/01_threads/spawn_join.rs")).unwrap();
    for (name, code) in [
        ("ann", solution.as_str()),
        ("bo", solution.as_str()),
        ("cy", CONST_EVAL_FOREVER),
    ] {
        let file = class.path().join(name).join(exercise);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, code).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("grades.csv");
    let per = out.path().join("per");
    let started = Instant::now();
    let run = common::grade(
        pristine.path(),
        &[
            "--submissions",
            class.path().to_str().unwrap(),
            "01_threads/spawn_join",
            "--report",
            &format!("csv={}", csv.display()),
            "--report",
            &format!("json={}", per.display()),
        ],
        &[("LEARN_BUILD_DEADLINE", &DEADLINE.to_string())],
    );
    let took = started.elapsed();
    let (stdout, stderr) = common::text(&run);
    assert_eq!(
        run.status.code(),
        Some(1),
        "cy did not pass:\n{stdout}{stderr}"
    );
    assert!(
        took < Duration::from_secs(DEADLINE + 90),
        "graded in {took:?}: the deadline ({DEADLINE} s) plus the grading"
    );
    let gradebook = std::fs::read_to_string(&csv).expect("the gradebook is written");
    for name in ["ann", "bo"] {
        let report = std::fs::read_to_string(per.join(format!("{name}.json"))).unwrap();
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert_eq!(
            report["tests"][0]["status"], "pass",
            "{name}: {report}\n{gradebook}"
        );
    }
    let cy = std::fs::read_to_string(per.join("cy.json")).unwrap();
    assert!(
        cy.contains(&format!(
            "the build of your file took longer than {DEADLINE} s"
        )),
        "{cy}"
    );
    let since = std::time::SystemTime::now() - took;
    let built_here: Vec<_> = std::fs::read_dir(common::target_dir().join("build/debug/deps"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("01_threads_spawn_join_")
        })
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
        })
        .map(|e| e.file_name())
        .collect();
    assert!(
        built_here.is_empty(),
        "the class's programs are removed after grading: {built_here:?}"
    );
    eprintln!("a class of three with one endless build graded in {took:?}");
}

#[test]
fn a_two_gib_const_array_stops_at_the_memory_bound_with_a_message() {
    let error = refused(
        "two_gib_const",
        "const BIG: [u8; 1 << 31] = [7; 1 << 31];\nfn main() {\n    println!(\"{}\", BIG[12345]);\n}\n",
    );
    assert_headline(&error, "needed more than 4 GiB of memory");
}

#[test]
fn a_source_over_one_mib_is_refused_before_the_build() {
    let error = refused("sixty_mb_of_nul", &"\0".repeat(2 << 20));
    assert_headline(&error, "a source file may have at most 1048576 (1 MiB)");
}

/// Watch mode's rebuilder in `sandbox`, which has built `unit` once (by cargo) and replays
/// rustc from then on.
fn built_once(unit: &Unit, sandbox: Sandbox) -> Rebuilder {
    let rebuilder = Rebuilder::new(cargo(sandbox));
    let never = std::sync::atomic::AtomicBool::new(false);
    let quiet = |_: &str| {};
    let first = rebuilder
        .build(std::slice::from_ref(unit), Some(&quiet), &never)
        .unwrap();
    assert!(first[unit].is_ok(), "{:?}", first[unit]);
    rebuilder
}

/// Watch mode's rebuild replays rustc without cargo, in the same sandbox: a saved file that
/// reaches for a solution is refused there too, and a good one is rebuilt into `watch/`.
#[test]
fn watch_modes_replayed_rustc_is_sandboxed_too() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit(
        dir.path(),
        "replayed",
        "fn main() {\n    println!(\"first\");\n}\n",
    );
    let rebuilder = built_once(&unit, Sandbox::default());
    let never = std::sync::atomic::AtomicBool::new(false);
    let rebuild = |code: &str| {
        std::fs::write(
            &unit.source,
            code.replace("@ROOT@", &common::root().display().to_string()),
        )
        .unwrap();
        let cargo_spoke = std::sync::atomic::AtomicBool::new(false);
        let lines = |_: &str| cargo_spoke.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut built = rebuilder
            .build(std::slice::from_ref(&unit), Some(&lines), &never)
            .unwrap();
        assert!(
            !cargo_spoke.into_inner(),
            "rebuilt by replaying rustc, not by cargo"
        );
        built.remove(&unit).unwrap()
    };
    let good = rebuild("fn main() {\n    println!(\"second\");\n}\n").expect("rebuilds");
    assert!(
        good.exe.starts_with(common::target_dir().join("watch")),
        "{}",
        good.exe.display()
    );
    assert_eq!(output_of(&good.exe).trim(), "second");
    let error = rebuild(INCLUDE_SOLUTION).unwrap_err();
    assert_denied(&error, "solutions/01_threads/spawn_join.rs");
}

#[test]
fn watch_modes_replayed_rustc_stops_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit(dir.path(), "replayed_forever", "fn main() {}\n");
    let sandbox = Sandbox {
        deadline: Duration::from_secs(5),
        ..Sandbox::default()
    };
    let rebuilder = built_once(&unit, sandbox);
    let never = std::sync::atomic::AtomicBool::new(false);
    let quiet = |_: &str| {};
    std::fs::write(&unit.source, CONST_EVAL_FOREVER).unwrap();
    let started = Instant::now();
    let mut built = rebuilder
        .build(std::slice::from_ref(&unit), Some(&quiet), &never)
        .unwrap();
    let error = built.remove(&unit).unwrap().unwrap_err();
    assert_headline(&error, "the build of your file took longer than 5 s");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_exponential_macro_stops_at_a_bound_with_a_message() {
    let tokens = "a ".repeat(30);
    let code = format!(
        "macro_rules! grow {{\n    () => {{ 0u8 }};\n    ($x:tt $($rest:tt)*) => {{ (grow!($($rest)*), grow!($($rest)*)) }};\n}}\nfn main() {{\n    let _ = grow!({tokens});\n}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let unit = unit(dir.path(), "exponential_macro", &code);
    let sandbox = Sandbox {
        deadline: Duration::from_secs(20),
        ..Sandbox::default()
    };
    let started = Instant::now();
    let mut built = cargo(sandbox)
        .build_quietly(std::slice::from_ref(&unit))
        .expect("cargo runs");
    let error = built.remove(&unit).unwrap().unwrap_err();
    eprintln!("stopped after {:?}: {}", started.elapsed(), error.headline);
    assert!(
        error.headline.contains("needed more than 4 GiB of memory")
            || error.headline.contains("took longer than 20 s")
            || error.headline.contains("recursion limit"),
        "{}",
        error.rendered
    );
}
