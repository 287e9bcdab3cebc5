#!/usr/bin/env bash
# Gradescope autograder: run once when Gradescope builds the autograder's image (Ubuntu, as
# root), with this bundle unpacked in /autograder/source. It installs Rust, builds `learn`
# from the pristine course in the bundle, and builds the course's dependencies once, so that
# grading a submission compiles only its own files. See gradescope/README.md.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"

apt-get update
apt-get install -y --no-install-recommends build-essential ca-certificates curl
curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
# shellcheck disable=SC1091
. "$HOME/.cargo/env"

cd "$ROOT/source"
cargo build --release --locked
# Warm the build folder (rayon, tokio, ureq); the verdict does not matter here.
./target/release/learn verify --files solutions 01_threads/spawn_join > /dev/null || true
