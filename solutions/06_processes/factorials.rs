// Factorials in parallel processes
//
// Computes 100!, 200! and 300! (or the numbers given as arguments) in three child
// processes that run at the same time. Each child prints its factorial in decimal on its
// stdout; the parent reads the three answers and prints, in input order,
// `N! has D digits, digit sum S`.

use std::env;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

/// A small big-number helper: the decimal digits of a number, least significant first.
struct BigNum {
    digits: Vec<u32>,
}

impl BigNum {
    fn one() -> BigNum {
        BigNum { digits: vec![1] }
    }

    /// Multiplies by a small number, like long multiplication on paper.
    fn mul_small(&mut self, k: u32) {
        let mut carry = 0;
        for digit in &mut self.digits {
            let product = *digit * k + carry;
            *digit = product % 10;
            carry = product / 10;
        }
        while carry > 0 {
            self.digits.push(carry % 10);
            carry /= 10;
        }
    }

    /// The number in decimal, most significant digit first.
    fn to_decimal(&self) -> String {
        self.digits
            .iter()
            .rev()
            .map(|&d| char::from_digit(d, 10).unwrap())
            .collect()
    }
}

fn factorial(n: u32) -> BigNum {
    let mut result = BigNum::one();
    for k in 2..=n {
        result.mul_small(k);
    }
    result
}

/// What a worker process does: compute n! and print it on stdout, its only answer.
fn worker(n: u32) {
    let answer = factorial(n);
    // Pretend the job is much bigger than it is, so running the workers at once matters.
    thread::sleep(Duration::from_millis(800));
    println!("{}", answer.to_decimal());
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();

    // A copy started as `PROGRAM --worker N` is a worker.
    if args.first().map(String::as_str) == Some("--worker") {
        worker(args[1].parse().expect("a worker needs a number"));
        return;
    }

    let numbers: Vec<u32> = if args.is_empty() {
        vec![100, 200, 300]
    } else {
        args.iter()
            .map(|a| a.parse().expect("arguments must be whole numbers"))
            .collect()
    };

    // Start every worker first, each with a pipe for its stdout...
    let program = env::current_exe().expect("cannot find this program's path");
    let children: Vec<_> = numbers
        .iter()
        .map(|n| {
            Command::new(&program)
                .arg("--worker")
                .arg(n.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .expect("cannot start a worker process")
        })
        .collect();

    // ...and only then collect the answers, in input order. While we wait for the first,
    // the others keep computing in their own processes.
    for (n, child) in numbers.iter().zip(children) {
        let output = child
            .wait_with_output()
            .expect("cannot read a worker's answer");
        assert!(output.status.success(), "the worker for {n}! failed");
        let answer = String::from_utf8(output.stdout).expect("the answer is not text");
        let answer = answer.trim();
        let digit_sum: u32 = answer.chars().map(|c| c.to_digit(10).unwrap()).sum();
        println!("{n}! has {} digits, digit sum {digit_sum}", answer.len());
    }
}
