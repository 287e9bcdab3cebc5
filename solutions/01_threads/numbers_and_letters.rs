// Two threads at the same time: reference solution.

use std::thread;
use std::time::Duration;

fn print_numbers() {
    for i in 0..5 {
        println!("{i}");
        thread::sleep(Duration::from_millis(200));
    }
}

fn print_letters() {
    for c in ['A', 'B', 'C', 'D'] {
        println!("{c}");
        thread::sleep(Duration::from_millis(200));
    }
}

fn main() {
    // Start both threads before waiting for either: while one sleeps, the other prints.
    let numbers = thread::spawn(print_numbers);
    let letters = thread::spawn(print_letters);

    numbers.join().unwrap();
    letters.join().unwrap();
}
