//! What a graded file may not hold: anything that makes rustc read another file or the
//! grader's environment at compile time. The file is read as Rust tokens (`proc-macro2`'s
//! lexer: comments, strings, raw strings and character literals are never mistaken for code),
//! and refused for `include!`, `include_str!`, `include_bytes!`, `env!`, `option_env!` (also
//! renamed by a `use` or passed to a macro as a name), a macro called through a fragment
//! (`$name!`), a `path` attribute (`#[path = …]`, also in `cfg_attr`), an attribute spliced
//! from a fragment (`#[$meta]`), and a module without a body (`mod x;`, `mod $name;`).
//!
//! This is the second line of defense: the build's sandbox is the first. Not caught: a macro
//! that glues `env` and `!` from two separate token trees of its call.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The macros that read another file at compile time.
const FILE_READERS: [&str; 3] = ["include", "include_str", "include_bytes"];

/// What in `code` would make rustc read another file or the grader's environment, with its
/// line, if anything does; a file whose tokens cannot be read is refused too (rustc would
/// not compile it either).
pub fn compile_time_reach(code: &str) -> Option<String> {
    match code.parse::<TokenStream>() {
        Ok(tokens) => reach_in(&tokens.into_iter().collect::<Vec<_>>()),
        Err(e) => Some(format!(
            "line {}: learn cannot read this file as Rust tokens ({e}), so it is not compiled",
            e.span().start().line
        )),
    }
}

/// The first reach in `tokens` (one delimited level) or in the groups inside it.
fn reach_in(tokens: &[TokenTree]) -> Option<String> {
    for (i, token) in tokens.iter().enumerate() {
        let line = token.span().start().line;
        let found = match token {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                let name = name.trim_start_matches("r#");
                if FILE_READERS.contains(&name) {
                    Some(format!(
                        "`{name}` pulls another file in at compile time, which grading refuses"
                    ))
                } else if name == "option_env" || (name == "env" && is_bang(tokens.get(i + 1))) {
                    Some(format!(
                        "`{name}` reads the grader's environment at compile time, which grading refuses"
                    ))
                } else if name == "mod" && !has_body(&tokens[i + 1..]) {
                    Some(
                        "`mod` without a body reads a module from another file, which grading refuses (write `mod name { … }` inline)"
                            .to_string(),
                    )
                } else {
                    None
                }
            }
            TokenTree::Punct(p) if p.as_char() == '$' => {
                match (tokens.get(i + 1), tokens.get(i + 2)) {
                    (Some(TokenTree::Ident(name)), next) if is_bang(next) => Some(format!(
                        "`${name}!` calls a macro named by a macro's argument, which grading refuses (name the macro)"
                    )),
                    _ => None,
                }
            }
            TokenTree::Punct(p) if p.as_char() == '#' => attribute(&tokens[i + 1..]),
            TokenTree::Group(group) => {
                match reach_in(&group.stream().into_iter().collect::<Vec<_>>()) {
                    Some(inner) => return Some(inner),
                    None => continue,
                }
            }
            _ => None,
        };
        if let Some(found) = found {
            return Some(format!("line {line}: {found}"));
        }
    }
    None
}

fn is_bang(token: Option<&TokenTree>) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == '!')
}

/// Whether the `mod` item whose tokens after `mod` are `rest` has a body: a brace group
/// before any `;` or the end of its group.
fn has_body(rest: &[TokenTree]) -> bool {
    for token in rest {
        match token {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => return true,
            TokenTree::Punct(p) if p.as_char() == ';' => return false,
            _ => {}
        }
    }
    false
}

/// What the attribute after a `#` (`rest`: an optional `!`, then its brackets) does that
/// grading refuses: `path = …` anywhere in it, or a `$` fragment spliced into it.
fn attribute(rest: &[TokenTree]) -> Option<String> {
    let rest = match rest.first() {
        Some(TokenTree::Punct(p)) if p.as_char() == '!' => &rest[1..],
        _ => rest,
    };
    let Some(TokenTree::Group(group)) = rest.first() else {
        return None;
    };
    if group.delimiter() != Delimiter::Bracket {
        return None;
    }
    let mut stack = vec![group.stream()];
    while let Some(stream) = stack.pop() {
        let tokens: Vec<TokenTree> = stream.into_iter().collect();
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Ident(ident) if ident == "path" => {
                    if matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=')
                    {
                        return Some(
                            "a `path` attribute makes rustc read another file as a module, which grading refuses"
                                .to_string(),
                        );
                    }
                }
                TokenTree::Punct(p) if p.as_char() == '$' => {
                    return Some(
                        "an attribute spliced from a macro's argument (`#[$…]`) could name another file, which grading refuses"
                            .to_string(),
                    );
                }
                TokenTree::Group(inner) => stack.push(inner.stream()),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    #[test]
    fn code_that_reads_another_file_at_compile_time_is_named_with_its_line() {
        let refused = [
            (
                "fn main() {}\ninclude!(\"/x/s.rs\");",
                "line 2: `include` pulls",
            ),
            (
                "const S: &str = std::include_str!(\"a.snap\");",
                "`include_str` pulls",
            ),
            (
                "use std::include_bytes as b;\nfn main() {}",
                "`include_bytes` pulls",
            ),
            (
                "macro_rules! m { ($i:ident) => { $i!(\"x\") } }\nm!(include);",
                "`$i!` calls",
            ),
            (
                "#[path = \"/x/s.rs\"]\nmod s;",
                "line 1: a `path` attribute",
            ),
            (
                "#[cfg_attr(all(), path = \"/x\")]\nmod s {}",
                "a `path` attribute",
            ),
            ("mod helpers;\nfn main() {}", "line 1: `mod` without a body"),
            ("let c = '\"'; include!(\"x\");", "`include` pulls"),
            ("const K: &str = env!(\"HOME\");", "`env` reads"),
            (
                "const K: Option<&str> = option_env!(\"TOKEN\");",
                "`option_env` reads",
            ),
            (
                "fn main() { \"unclosed }",
                "cannot read this file as Rust tokens",
            ),
        ];
        for (code, said) in refused {
            let why = compile_time_reach(code).unwrap_or_else(|| panic!("not refused: {code}"));
            assert!(why.contains(said), "{code}: {why}");
        }
        let allowed = [
            "// include!(\"x\") in a comment\nfn main() {}",
            "/* #[path = \"x\"] /* nested */ mod x; */ fn main() {}",
            "fn main() { println!(\"include!(x) mod y; #[path = z]\"); }",
            "fn main() { let s = r#\"include!(\"x\")\"#; }",
            "fn f<'a>(x: &'a str) -> &'a str { x }\nmod inline { pub fn g() {} }",
            "fn main() { let included = 1; let path = 2; let a = std::env::args(); }",
            "use std::{env, thread};\n#[derive(Debug)]\nstruct S;",
            "macro_rules! m { ($x:expr) => { println!(\"{}\", $x) } }",
        ];
        for code in allowed {
            assert_eq!(compile_time_reach(code), None, "{code}");
        }
    }

    /// Every file of `tests/fixtures/hostile/compile_time/` is refused, with the phrase its
    /// first line names (`// refused: PHRASE`).
    #[test]
    fn hostile_fixtures_hiding_a_reach_in_macro_fragments_are_refused() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/compile_time");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let said = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("// refused: "))
                .unwrap_or_else(|| panic!("{}: no `// refused: ` line", path.display()));
            let why = compile_time_reach(&text)
                .unwrap_or_else(|| panic!("not refused: {}", path.display()));
            assert!(why.contains(said), "{}: {why}", path.display());
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} fixtures");
    }

    #[test]
    fn no_file_of_the_course_is_refused_as_reaching_another_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack: Vec<PathBuf> = [
            "solutions",
            "exercises",
            "course/starters",
            "tests/fixtures",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect();
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if !path.ends_with("hostile") {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    assert_eq!(compile_time_reach(&text), None, "{}", path.display());
                    seen += 1;
                }
            }
        }
        assert!(seen > 80, "only {seen} files found");
    }
}
