//! The module graph has no cycle: every top-level module of `src/` sits in a layer, and uses
//! (`crate::NAME` outside comments and `#[cfg(test)]` code) only modules of lower layers. The
//! layers are those listed in the README's "Architecture" section, read from there, so the
//! README cannot drift from the code.

use std::collections::BTreeMap;
use std::path::Path;

/// The README's layers, lowest first: each line of the section that starts with a layer
/// number (`1. ` …) names its modules in backquotes before the first colon.
fn layers() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## Architecture\n")
        .nth(1)
        .expect("README has an Architecture section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    section
        .lines()
        .filter(|line| {
            line.split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
        })
        .map(|line| {
            let names = line.split(':').next().unwrap_or_default();
            names
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The top-level modules `src/lib.rs` declares.
fn modules() -> Vec<String> {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("src/lib.rs");
    lib.lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect()
}

/// Every source file of `src/`: its top-level module, its path under `src/`, its text.
fn sources() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).expect("under src");
            let module = relative
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .expect("a file name")
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).expect("a source file");
            sources.push((module, relative.display().to_string(), text));
        }
    }
    sources
}

/// The modules each top-level module uses outside comments and test code.
fn uses() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut uses: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (module, relative, text) in sources() {
        for (name, line) in crate_uses(&code_of(&text)) {
            if name != module {
                uses.entry(module.clone())
                    .or_default()
                    .insert(name, format!("{relative}:{line}"));
            }
        }
    }
    uses
}

/// The code of a source file: its lines up to its test code (`#[cfg(test)]`), comment lines
/// blanked (so that line numbers hold).
fn code_of(text: &str) -> String {
    let mut code = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if !trimmed.starts_with("//") {
            code.push_str(line);
        }
        code.push('\n');
    }
    code
}

/// `code` with the text of its string and character literals blanked (`"…"`, `r#"…"#`,
/// `'"'`), newlines kept: a macro named inside a string is not a call.
fn without_literals(code: &str) -> String {
    let bytes = code.as_bytes();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    let blank = |out: &mut String, text: &str| {
        out.extend(text.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    };
    while i < bytes.len() {
        let rest = &code[i..];
        if rest.starts_with("'\"'") || rest.starts_with("'\\\"'") {
            let len = if rest.starts_with("'\"'") { 3 } else { 4 };
            blank(&mut out, &rest[..len]);
            i += len;
        } else if let Some(hashes) = rest
            .strip_prefix('r')
            .map(|r| r.len() - r.trim_start_matches('#').len())
            .filter(|&h| rest[1 + h..].starts_with('"'))
        {
            let close = format!("\"{}", "#".repeat(hashes));
            let start = 2 + hashes;
            let len = rest[start..]
                .find(&close)
                .map_or(rest.len(), |e| start + e + close.len());
            blank(&mut out, &rest[..len]);
            i += len;
        } else if let Some(body) = rest.strip_prefix('"') {
            let mut len = 1;
            let mut escaped = false;
            for c in body.chars() {
                len += c.len_utf8();
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => break,
                    _ => escaped = false,
                }
            }
            blank(&mut out, &rest[..len]);
            i += len;
        } else {
            let c = rest.chars().next().expect("not at the end");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The top-level modules `code` names after `crate::`, each with its line (from 1): a path
/// (`crate::a::b`) and every member of a group (`use crate::{a, b::{c, d}}`: `a` and `b`),
/// over as many lines as it takes.
fn crate_uses(code: &str) -> Vec<(String, usize)> {
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let name_at = |at: usize| -> String {
        code[at..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let after = at + "crate::".len();
        if !code[after..].starts_with('{') {
            let name = name_at(after);
            if !name.is_empty() {
                found.push((name, line_of(after)));
            }
            continue;
        }
        let (mut depth, mut member_next) = (0, true);
        for (i, c) in code[after..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 1 => break,
                '}' => depth -= 1,
                ',' if depth == 1 => member_next = true,
                c if c.is_whitespace() => {}
                _ if member_next && depth == 1 => {
                    let name = name_at(after + i);
                    if !name.is_empty() && name != "self" {
                        found.push((name, line_of(after + i)));
                    }
                    member_next = false;
                }
                _ => {}
            }
        }
    }
    found
}

#[test]
fn grouped_nested_and_multi_line_imports_are_seen() {
    let code = code_of(
        "use crate::{build, checks::{self, Outcome}};\n\
         use crate::{\n    grade::Verdict,\n    report::{json, terminal},\n    Cli,\n};\n\
         let x = crate::tree::walk();\n\
         // crate::commented\n\
         #[cfg(test)]\nuse crate::cli;\n",
    );
    let uses = crate_uses(&code);
    let seen: Vec<(&str, usize)> = uses
        .iter()
        .map(|(name, line)| (name.as_str(), *line))
        .collect();
    assert_eq!(
        seen,
        [
            ("build", 1),
            ("checks", 1),
            ("grade", 3),
            ("report", 4),
            ("tree", 7)
        ]
    );
}

#[test]
fn every_module_uses_only_lower_layers() {
    let layers = layers();
    assert!(layers.len() >= 3, "the README lists the layers: {layers:?}");
    let layer_of: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, names)| names.iter().map(move |n| (n.as_str(), i)))
        .collect();
    for module in modules() {
        assert!(
            layer_of.contains_key(module.as_str()),
            "module `{module}` is in no layer of the README's Architecture section"
        );
    }
    let mut wrong = Vec::new();
    for (module, used) in uses() {
        let Some(&own) = layer_of.get(module.as_str()) else {
            continue;
        };
        for (name, place) in used {
            match layer_of.get(name.as_str()) {
                Some(&theirs) if theirs < own => {}
                Some(&theirs) => wrong.push(format!(
                    "{place}: `{module}` (layer {}) uses `{name}` (layer {})",
                    own + 1,
                    theirs + 1
                )),
                None => wrong.push(format!("{place}: `{name}` is in no layer")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a module may use only modules of lower layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn string_and_character_literals_are_blanked() {
    let code = "let a = \"println!(\\\"x\\\")\"; let q = '\"'; eprintln!(\"{a}\");\nr#\"dbg!(\"x\")\"# print!()";
    let seen = without_literals(code);
    assert_eq!(seen.matches('!').count(), 2, "{seen}");
    assert!(
        seen.contains("eprintln!(") && seen.contains(" print!()"),
        "{seen}"
    );
    assert_eq!(seen.lines().count(), 2);
}

/// Where the code of layers 1 to 6 (the README's list), `test_support` aside, calls one of
/// `called`: `file:line: call` for each.
fn called_below_the_commands(called: &[&str]) -> Vec<String> {
    let layers = layers();
    let below: Vec<&String> = layers.iter().take(6).flatten().collect();
    assert!(below.iter().any(|m| *m == "supervise"), "{below:?}");
    let mut found = Vec::new();
    for (module, relative, text) in sources() {
        if !below.contains(&&module) || module == "test_support" {
            continue;
        }
        let code = without_literals(&code_of(&text));
        for (n, line) in code.lines().enumerate() {
            let calls = |p: &str| {
                line.match_indices(p).any(|(at, _)| {
                    let before = line[..at].chars().next_back();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            };
            if let Some(p) = called.iter().find(|p| calls(p)) {
                found.push(format!("{relative}:{}: {p}", n + 1));
            }
        }
    }
    found
}

/// Nothing of layers 1 to 6 (the README's list: the supervisor, the build, checks, the
/// course, grading, settings, reports' formats…) prints: what they have to say goes up as
/// events or a returned value, and the layers above decide what to print. `report` renders
/// text it returns; it is checked too. `test_support` is not: it serves the tests and
/// benchmarks only (a benchmark says on stderr why it does not measure).
#[test]
fn nothing_below_the_commands_prints() {
    let prints = called_below_the_commands(&[
        "println!",
        "print!",
        "eprintln!",
        "eprint!",
        "dbg!",
        "io::stdout()",
        "io::stderr()",
    ]);
    assert!(
        prints.is_empty(),
        "a module of layers 1 to 6 prints (send an event or return the text instead):\n{}",
        prints.join("\n")
    );
}

/// Nothing of layers 1 to 6 reads the environment (`env::var`, `var_os`, `vars`…): `cli`
/// reads it once, at the edge, into the settings (`cli/environment.rs`), which are passed
/// down. `test_support` may: it gives the tests' defaults.
#[test]
fn nothing_below_the_commands_reads_the_environment() {
    let reads = called_below_the_commands(&["env::var"]);
    assert!(
        reads.is_empty(),
        "a module of layers 1 to 6 reads the environment (read it in cli/environment.rs into the settings instead):\n{}",
        reads.join("\n")
    );
}
