//! Keys and resizes, read from the terminal on a thread of their own so that they are
//! answered while a check runs; and the signals that ask a terminal program to stop, turned
//! into a quit, so that the terminal is put back and no check is left running.

use std::sync::mpsc::Sender;

use crossterm::event::{self, KeyEventKind};

use super::Event;

/// Starts the reader and the signal listener; they end when watch mode stops listening.
pub(crate) fn start(events: Sender<Event>) {
    listen_for_stop_signals(events.clone());
    std::thread::spawn(move || {
        loop {
            let sent = match event::read() {
                Ok(event::Event::Key(key)) if key.kind != KeyEventKind::Release => {
                    events.send(Event::Key(key))
                }
                Ok(event::Event::Resize(..)) => events.send(Event::Resize),
                Ok(_) => Ok(()),
                Err(e) => {
                    let _ = events.send(Event::TerminalFailed(e));
                    return;
                }
            };
            if sent.is_err() {
                return;
            }
        }
    });
}

/// Sends [`Event::Stop`] on SIGTERM (`kill`), SIGHUP (the terminal closed) and SIGINT (raw
/// mode reads Ctrl-C as a key, but `kill -INT` still arrives as a signal). Without a listener
/// these kill the process with the terminal still in raw mode and the alternate screen.
fn listen_for_stop_signals(events: Sender<Event>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) else {
        return;
    };
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if events.send(Event::Stop).is_err() {
                return;
            }
        }
    });
}
