// Two threads at the same time
//
// One thread prints the numbers 0 to 4, another the letters A to D, each pausing 200 ms
// after every line. The two threads must run at the same time, so their lines mix and the
// whole program takes about one second, not the 1.8 s of running one after the other.

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
    // TODO: main waits for the numbers thread before it even starts the letters thread,
    // so the two never run at the same time. Start both first, then wait for both.
    let numbers = thread::spawn(print_numbers);
    numbers.join().unwrap();

    let letters = thread::spawn(print_letters);
    letters.join().unwrap();
}
